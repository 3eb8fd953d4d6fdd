import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AppError, errors } from '../src/core/errors.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** Every code the catalogue's factories make, with its status. */
function catalogue(): Map<string, number> {
  const found = new Map<string, number>();
  for (const factory of Object.values(errors) as ((...args: unknown[]) => AppError)[]) {
    const err = factory.length >= 1 && factory === errors.rateLimited ? factory(1) : factory();
    found.set(err.code, err.status);
  }
  return found;
}

/** Codes made elsewhere (`new AppError('code', status, …)` outside the catalogue, and `make('code', status`). */
function elsewhere(): Map<string, number> {
  const found = new Map<string, number>();
  for (const file of sources(path.join(ROOT, 'src'))) {
    if (file.includes(`${path.sep}dialects${path.sep}`)) continue; // wire errors of a dialect's own envelope
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:new AppError|make)\(\s*'([a-z0-9-]+)',\s*(\d{3})/g))
      if (m[1] !== 'shared') found.set(m[1]!, Number(m[2]));
  }
  return found;
}

/** The rows of docs/errors.md: code → status. */
function documented(): Map<string, number> {
  const text = readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8');
  return new Map([...text.matchAll(/^\| `([a-z0-9-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe('the errors table (docs/errors.md)', () => {
  it('has a row with the right status for every code the server can answer with', () => {
    const docs = documented();
    const made = new Map([...elsewhere(), ...catalogue()]);
    const missing = [...made].filter(([code, status]) => docs.get(code) !== status).map(([c, s]) => `${c} ${s}`);
    expect(missing, 'add these rows to docs/errors.md').toEqual([]);
  });

  it('names no code that the server no longer makes', () => {
    const made = new Map([...elsewhere(), ...catalogue()]);
    const stale = [...documented().keys()].filter((code) => !made.has(code));
    expect(stale, 'remove these rows from docs/errors.md').toEqual([]);
  });
});
