// BENCH_CPU: the CPU time each process spent in a phase (user + system, from /proc), so that a
// ratio can be read as where the machine's two cores went: the server, the load generator,
// the limit's own process, or PostgreSQL's backends.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux

interface Ticks {
  user: number;
  system: number;
}

/** User and system time; with `children`, also that of the children it reaped (PostgreSQL's ended backends). */
function ticksOf(pid: number | string, children = false): Ticks {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return children ? { user: f[11]! + f[13]!, system: f[12]! + f[14]! } : { user: f[11]!, system: f[12]! };
  } catch {
    return { user: 0, system: 0 };
  }
}

function postgresTicks(): Ticks {
  const total = { user: 0, system: 0 };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // the process ended while we read
    }
    const t = ticksOf(entry, true);
    total.user += t.user;
    total.system += t.system;
  }
  return total;
}

/** Per thread name of a process (main thread, libuv's pool, V8's workers), summed over threads of the same name. */
function threadTicks(pid: number): Record<string, Ticks> {
  const out: Record<string, Ticks> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const t = ticksOf(`${pid}/task/${tid}`);
      const o = (out[name] ??= { user: 0, system: 0 });
      o.user += t.user;
      o.system += t.system;
    }
  } catch {
    // the process ended
  }
  return out;
}

/** Starts a measurement over named processes; `stop(ops)` gives each one's CPU µs per operation (of which in the kernel). */
export function cpuMeter(pids: Record<string, number>, threads = false) {
  const snapshot = (): Record<string, Ticks> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, ticksOf(pid)])),
    ...(threads
      ? Object.fromEntries(
          Object.entries(pids).flatMap(([name, pid]) =>
            Object.entries(threadTicks(pid)).map(([thread, t]) => [`${name}/${thread}`, t]),
          ),
        )
      : {}),
    postgres: postgresTicks(),
  });
  const before = snapshot();
  return {
    stop(ops: number): string {
      const after = snapshot();
      const perOp = (ticks: number) => Math.round((ticks * TICK_US) / ops);
      return Object.keys(after)
        .map((name) => ({
          name,
          user: perOp(after[name]!.user - (before[name]?.user ?? 0)),
          system: perOp(after[name]!.system - (before[name]?.system ?? 0)),
        }))
        .filter((t) => t.user + t.system > 0)
        .map((t) => `${t.name} ${t.user + t.system} µs (kernel ${t.system})`)
        .join(', ');
    },
  };
}

/**
 * Waits until the processes and PostgreSQL are idle (no 10 ms tick of CPU time counted in 200 ms)
 * or `maxMs` passed: a phase ends when the load generator stops, but the server still finishes the
 * requests in flight (16 logins are a third of a second of both cores), which the next phase would
 * otherwise pay for.
 */
export async function settle(pids: number[], maxMs = 3000): Promise<void> {
  const total = () => {
    const ticks = [...pids.map((pid) => ticksOf(pid)), postgresTicks()];
    return ticks.reduce((sum, t) => sum + t.user + t.system, 0);
  };
  const deadline = Date.now() + maxMs;
  let last = total();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = total();
    if (now === last) return;
    last = now;
  }
}
