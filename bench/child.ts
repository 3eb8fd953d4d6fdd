// A long-lived helper process that answers jobs over IPC: the load generator and the
// "limit" workloads each get their own process, so none of them shares an event loop
// with the server or with each other.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  pid: number;
  call<T>(job: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Forks `bench/<script>.ts` (tsx is inherited through execArgv) and waits until it says it is ready. */
export async function startChild(script: string, env: Record<string, string> = {}): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${script}.ts`, import.meta.url)), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`${script}: ${m.error}`));
    else p?.resolve(m.result);
  });
  return {
    pid: child.pid!,
    call<T>(job: Record<string, unknown>) {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, job });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The child side: answers each job with `handle`, and says it is ready. */
export function serveJobs(handle: (job: Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (m: { id: number; job: Record<string, unknown> }) => {
    handle(m.job).then(
      (result) => process.send!({ id: m.id, result }),
      (err: Error) => process.send!({ id: m.id, error: err.stack ?? String(err) }),
    );
  });
  process.once('SIGTERM', () => process.exit(0));
  process.send!({ ready: true });
}
