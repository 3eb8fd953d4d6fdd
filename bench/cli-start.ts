// npm run bench:cli: the wall time of one `gatehouse` call, as an operator starts it (`node bin/gatehouse.js …`,
// the built dist/), on a small SQLite DATA_DIR made first (migrated, one user). Each command runs
// BENCH_CLI_RUNS times (default 7), the commands interleaved so that they share the machine's noise; a row shows
// the median and the range. BENCH_CLI_BASELINE=<path to another install's bin/gatehouse.js> adds the same calls
// through that install (an older build), interleaved with these. The load average is printed before and after.
// On Linux each row also shows the CPU time the call used (user + system, from the waited-for children's times in
// /proc/self/stat, in 10 ms ticks): on a machine other processes share, it varies far less than the wall time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../bin/gatehouse.js');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 7);
const BASELINE = process.env.BENCH_CLI_BASELINE;
const COMMANDS = [['--version'], ['--help'], ['users', 'list'], ['users', 'list', '--format', 'json'], ['audit']];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** CPU milliseconds used by this process's waited-for children so far (cutime + cstime); undefined off Linux. */
function childrenCpu(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // The fields after the command name, which is in parentheses and may hold spaces: cutime and cstime are 14 and 15.
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** One call: its wall time and, where measurable, its CPU time, both in ms. */
function call(bin: string, args: string[], env: NodeJS.ProcessEnv): { wall: number; cpu?: number } {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [bin, ...args], {
    env,
    encoding: 'utf8',
    input: 'a bench passphrase 0123\n',
  });
  if (res.status !== 0) throw new Error(`gatehouse ${args.join(' ')}: ${res.stderr}`);
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuAfter = childrenCpu();
  return { wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-bench-'));
const env = { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
try {
  call(BIN, ['migrate'], env);
  call(BIN, ['users', 'create', '--email', 'admin@bench.example.org', '--roles', 'admin,user'], env);
  const bins = BASELINE ? [BIN, path.resolve(BASELINE)] : [BIN];
  const times = new Map<string, { wall: number; cpu?: number }[]>();
  console.log(`load average before: ${load()} (1, 5, 15 min); ${RUNS} runs of each call, interleaved`);
  for (let i = 0; i < RUNS; i++)
    for (const args of COMMANDS)
      for (const bin of bins) {
        const key = `${bin === BIN ? 'this build' : 'baseline'}\t${args.join(' ')}`;
        times.set(key, [...(times.get(key) ?? []), call(bin, args, env)]);
      }
  console.log(`load average after: ${load()}\n`);
  console.log('| build | `gatehouse …` | median wall (ms) | range (ms) | median CPU (ms) |\n|---|---|---|---|---|');
  for (const [key, list] of times) {
    const [build, command] = key.split('\t');
    const walls = list.map((t) => t.wall).sort((a, b) => a - b);
    const cpus = list.flatMap((t) => (t.cpu === undefined ? [] : [t.cpu]));
    const cpu = cpus.length ? median(cpus).toFixed(0) : 'n/a';
    const range = `${walls[0]!.toFixed(0)}–${walls.at(-1)!.toFixed(0)}`;
    console.log(`| ${build} | \`${command}\` | ${median(walls).toFixed(0)} | ${range} | ${cpu} |`);
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
