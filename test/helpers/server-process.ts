import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote so far (JSON log lines on stdout, then stderr). */
  output(): string;
  /** Resolves once a line of the output matches. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built `gatehouse <args>` (bin/gatehouse.js) in a child process, as an operator
 * would, with no TypeScript loader to start each time; suites call buildCliOnce() in beforeAll.
 */
export function spawnGatehouse(
  args: string[],
  env: Record<string, string | undefined>,
): Omit<ServerProcess, 'port' | 'url'> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    cwd: process.cwd(),
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) {
      const line = output.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern) {
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited before printing ${pattern}:\n${output}`)));
      });
    },
  };
}

export async function startServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const proc = spawnGatehouse(['serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ...env,
  });
  const line = await proc.waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}
