import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { readEnv } from '../config/env.js';
import { loadConfig, type Config, type Env } from '../config/load.js';
import type { Services } from '../services.js';

/** Where one CLI run reads its settings and input and writes its output: the process's own, or a caller's. */
export interface CliIo {
  env: Env;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIo = (): CliIo => ({
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

/** What every command uses, bound to one run's io: its configuration, services, input and output. */
export function createCliContext(io: CliIo) {
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  return {
    io,
    out,
    err: (line: string) => void io.stderr.write(`${line}\n`),
    printJson: (value: unknown) => out(JSON.stringify(value, null, 2)),
    config: () => cliConfig(io),
    withServices: <T>(fn: (s: Services) => Promise<T>) => withServices(io, fn),
    readStdin: () => readStdin(io.stdin),
    confirm: (question: string, yes: boolean | undefined) => confirm(io, question, yes),
  };
}
export type CliContext = ReturnType<typeof createCliContext>;

/**
 * Reads the configuration once, says on stderr which data folder it uses (stdout stays clean for
 * `--format json`), and warns when a relative DATA_DIR does not exist: run from another folder,
 * the CLI would otherwise silently start a new empty database there.
 */
export function cliConfig(io: CliIo): Config {
  const env = readEnv(io.env);
  const config = loadConfig(env);
  const raw = env.DATA_DIR || './data';
  const where = config.database.kind === 'sqlite' ? `SQLite at ${config.database.file}` : 'PostgreSQL';
  io.stderr.write(`gatehouse: DATA_DIR ${config.dataDir} (${where})\n`);
  if (!path.isAbsolute(raw) && !existsSync(config.dataDir)) {
    io.stderr.write(
      `gatehouse: warning: DATA_DIR "${raw}" does not exist in ${process.cwd()}; a new, empty one will be created. ` +
        'Run from the install folder or set DATA_DIR to an absolute path.\n',
    );
  }
  return config;
}

/**
 * Runs `fn` with the core services on a migrated database, then closes it. The database and the core are
 * loaded here, not when the CLI starts: `gatehouse --version` and `--help` load neither.
 */
async function withServices<T>(io: CliIo, fn: (s: Services) => Promise<T>): Promise<T> {
  const config = cliConfig(io);
  const [{ openDatabase }, { migrateToLatest }, { resolveSecrets }, { createServices }] = await Promise.all([
    import('../db/client.js'),
    import('../db/migrate.js'),
    import('../config/secrets.js'),
    import('../services.js'),
  ]);
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db);
    const services = await createServices(config, await resolveSecrets(config), db);
    try {
      return await fn(services);
    } finally {
      await services.background.drain();
      services.mailer.close();
      await services.limits?.close();
    }
  } finally {
    await db.close();
  }
}

async function readStdin(stdin: CliIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * A destructive verb goes ahead with `--yes`; on a terminal it asks; without one (a script, a pipe)
 * it refuses, so nothing is deleted by a command that nobody confirmed.
 */
async function confirm(io: CliIo, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!io.stdin.isTTY) throw new Error(`${question} Not confirmed: add --yes to run this without a terminal`);
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new Error('Cancelled');
  } finally {
    rl.close();
  }
}

export const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
export const integer = (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`not a whole number: ${v}`);
  return Number(v);
};
