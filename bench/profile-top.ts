// Top self-time frames of a V8 CPU profile (node --cpu-prof), as Markdown rows:
// node --import tsx bench/profile-top.ts <file.cpuprofile> [count]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const [file, count = '12'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[] };
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const byFrame = new Map<string, number>();
for (const n of profile.nodes) {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}`
    : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  byFrame.set(key, (byFrame.get(key) ?? 0) + (hits.get(n.id) ?? 0));
}
const total = profile.samples.length;
const idle = byFrame.get('(idle)') ?? 0;
console.log(`busy samples: ${total - idle} of ${total}`);
for (const [key, n] of [...byFrame]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(count))) {
  console.log(`| ${((100 * n) / (total - idle)).toFixed(1)} % | \`${key}\` |`);
}
