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
const OUTER = [
  ...filesUnder(path.join(ROOT, 'src/http')),
  ...filesUnder(path.join(ROOT, 'src/cli')),
  path.join(ROOT, 'src/main.ts'),
];

describe('dependency direction (http → core → db)', () => {
  it.each(OUTER.map((f) => [path.relative(ROOT, f), f]))('%s calls core services, never the queries', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    // Runtime imports of the queries (type-only imports of row shapes are fine; the CLI opens and migrates the database).
    const dbImports = source
      .split('\n')
      .filter((line) => /^import\s+(?!type\b)[^;]*from\s+'[^']*\/db\/queries\//.test(line));
    expect(dbImports).toEqual([]);
    expect(source.match(/\.queries\b/g) ?? []).toEqual([]);
  });

  it('keeps dialect-only code in its dialect folder', () => {
    const dialects = readdirSync(path.join(ROOT, 'src/http/dialects')).filter((n) =>
      statSync(path.join(ROOT, 'src/http/dialects', n)).isDirectory(),
    );
    const core = filesUnder(path.join(ROOT, 'src/core'));
    for (const file of core) {
      const source = readFileSync(file, 'utf8');
      expect(source, path.relative(ROOT, file)).not.toMatch(/from '[^']*\/http\//);
    }
    expect(dialects.sort()).toEqual(['datarhei', 'hasura-auth', 'hbp', 'humhub', 'privacyidea', 'rocketchat']);
  });
});

/** The files a module loads at run time (type-only imports are erased by the compiler). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of source.matchAll(/^(import|export)\s+([^'";]*?)\s*from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
    const clause = m[2] ?? '';
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    const typeOnly =
      /^type\b/.test(clause) || (named && named[1]!.split(',').every((s) => !s.trim() || /^type\b/.test(s.trim())));
    if (typeOnly) continue;
    found.push(path.resolve(path.dirname(file), (m[3] ?? m[4])!.replace(/\.js$/, '.ts')));
  }
  return found;
}

const SOURCES = filesUnder(path.join(ROOT, 'src'));
const GRAPH = new Map(SOURCES.map((f) => [f, runtimeImports(f)]));

/** Every file `start` loads, directly or not. */
function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const next = [start];
  while (next.length) {
    const file = next.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    next.push(...(GRAPH.get(file) ?? []));
  }
  return seen;
}

describe('import graph', () => {
  it('has no cycle', () => {
    const cycles: string[] = [];
    for (const file of SOURCES) {
      for (const dep of GRAPH.get(file) ?? []) {
        if (closure(dep).has(file)) cycles.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, dep)}`);
      }
    }
    expect(cycles).toEqual([]);
  });

  it('loads no route, core or database code to read the configuration (every CLI call starts with it)', () => {
    const loaded = [...closure(path.join(ROOT, 'src/config/load.ts'))].map((f) => path.relative(ROOT, f));
    const outside = loaded.filter(
      (f) => !f.startsWith('src/config/') && !/^src\/http\/dialects\/(settings|[a-z-]+\/config)\.ts$/.test(f),
    );
    expect(outside).toEqual([]);
  });
});

/**
 * Files in src/ a size rule does not apply to, each with its reason. Empty today: every file is hand-written
 * (nothing in src/ is generated or vendored; the admin console's build lives in console/dist).
 */
const SIZE_EXEMPT: Record<string, string> = {};

describe('sizes (CONVENTIONS.md, 10)', () => {
  const checked = SOURCES.filter((f) => !(path.relative(ROOT, f) in SIZE_EXEMPT));

  it('keeps every file in src/ within 300 lines', () => {
    const long = checked
      .map((f) => [path.relative(ROOT, f), readFileSync(f, 'utf8').trimEnd().split('\n').length] as const)
      .filter(([, lines]) => lines > 300)
      .map(([name, lines]) => `${name}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('keeps every line in src/ within 120 characters', () => {
    const wide = checked.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${path.relative(ROOT, f)}:${i + 1} (${line.length})`] : [])),
    );
    expect(wide).toEqual([]);
  });
});
