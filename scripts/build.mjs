// `npm run build`: bundles src/ into dist/ with esbuild (dist/main.js, and dist/chunks/ for what a command loads
// only when it runs). A `gatehouse` call is a fresh Node process whose time was mostly spent finding, reading and
// compiling ~450 ES modules (kysely's ~260, ours ~180); the bundle makes them a handful of files. Type checking
// is `npm run typecheck` (esbuild strips types without checking them). docs/performance.md, "CLI start".
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// Pure-JavaScript ES modules of many files that calls load: kysely (any call opening the database), TypeBox (the
// admin API's schemas: `audit`, `directories`, the server; only our code uses it at run time, so there is one
// copy), and three small ones. Every other dependency stays a package in node_modules, loaded from there as before:
// native addons (better-sqlite3, sharp, @node-rs), packages that read their own files or start workers (pino,
// @fastify/swagger-ui, oidc-provider), CommonJS (commander, pg: bundling commander measured no gain).
const BUNDLED = new Set(['@sinclair/typebox', 'kysely', 'lru-cache', 'mustache', 'otpauth']);
const external = Object.keys(pkg.dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external,
  sourcemap: true,
  logLevel: 'warning',
});
