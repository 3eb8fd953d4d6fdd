// `npm start` runs this first: builds only when dist/ is missing or older than a source file,
// so a start after an unchanged checkout does not pay for a full tsc run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const OUTPUT = 'dist/main.js';
// Sources whose change needs a new build; other build steps may add their folders here.
const SOURCES = ['src', 'package.json', 'tsconfig.json', 'scripts/build.mjs'];

function newest(entry) {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((max, name) => Math.max(max, newest(path.join(entry, name))), stat.mtimeMs);
}

const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
const changed = Math.max(...SOURCES.map(newest));
if (built >= changed) process.exit(0);
console.error(
  built ? 'gatehouse: sources changed since the last build; building' : 'gatehouse: no build yet; building',
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'build'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
