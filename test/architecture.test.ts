import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** The outer layers: HTTP (native API, dialects, admin API) and the CLI. */
const OUTER = [...filesUnder(path.join(ROOT, 'src/http')), ...filesUnder(path.join(ROOT, 'src/cli')), path.join(ROOT, 'src/main.ts')];

describe('dependency direction (http → core → db)', () => {
  it.each(OUTER.map((f) => [path.relative(ROOT, f), f]))('%s calls core services, never the queries', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    // Runtime imports of the queries (type-only imports of row shapes are fine; the CLI opens and migrates the database).
    const dbImports = source.split('\n').filter((line) => /^import\s+(?!type\b)[^;]*from\s+'[^']*\/db\/queries\//.test(line));
    expect(dbImports).toEqual([]);
    expect(source.match(/\.queries\b/g) ?? []).toEqual([]);
  });

  it('keeps dialect-only code in its dialect folder', () => {
    const dialects = readdirSync(path.join(ROOT, 'src/http/dialects')).filter((n) => statSync(path.join(ROOT, 'src/http/dialects', n)).isDirectory());
    const core = filesUnder(path.join(ROOT, 'src/core'));
    for (const file of core) {
      const source = readFileSync(file, 'utf8');
      expect(source, path.relative(ROOT, file)).not.toMatch(/from '[^']*\/http\//);
    }
    expect(dialects.sort()).toEqual(['datarhei', 'hbp', 'humhub', 'privacyidea', 'rocketchat']);
  });
});
