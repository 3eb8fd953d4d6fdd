import { Option } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { readEnv } from '../config/env.js';
import { loadConfig, type Config, type Env } from '../config/load.js';
import { checkWrittenPaths } from '../config/paths-check.js';
import { INSTALL_DIR } from '../install-dir.js';
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

/** Options of the whole program that change how the configuration is read. */
export interface CliFlags {
  /** `--init`: create a new database even where a relative DATA_DIR points away from the install folder. */
  init?: boolean;
}

/** What every command uses, bound to one run's io: its configuration, services, input and output. */
export function createCliContext(io: CliIo, flags: () => CliFlags = () => ({})) {
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  return {
    io,
    out,
    err: (line: string) => void io.stderr.write(`${line}\n`),
    printJson: (value: unknown) => out(JSON.stringify(value, null, 2)),
    /** For commands that create the database when it is missing (serve, migrate). */
    config: () => cliConfig(io, { creates: true }),
    withServices: <T>(fn: (s: Services) => Promise<T>) => withServices(io, flags(), fn),
    readStdin: () => readStdin(io.stdin),
    confirm: (question: string, yes: boolean | undefined) => confirm(io, question, yes),
  };
}
export type CliContext = ReturnType<typeof createCliContext>;

/**
 * Reads the configuration once and says on stderr which data folder it uses (stdout stays clean for
 * `--format json`), with any variable that looks like a misspelt setting. A relative DATA_DIR depends on the
 * working folder: run from another folder than the install folder, where no database exists yet, a command
 * that only reads or changes users would silently start a new empty one. It is refused then (unless `--init`);
 * serve and migrate, which create databases, only warn.
 */
export function cliConfig(io: CliIo, opts: { creates?: boolean; init?: boolean } = {}): Config {
  const env = readEnv(io.env);
  const config = loadConfig(env);
  const raw = env.DATA_DIR || './data';
  const where = config.database.kind === 'sqlite' ? `SQLite at ${config.database.file}` : 'PostgreSQL';
  io.stderr.write(`gatehouse: DATA_DIR ${config.dataDir} (${where})\n`);
  for (const warning of config.operators.warnings) io.stderr.write(`gatehouse: warning: ${warning}\n`);
  const elsewhere =
    config.database.kind === 'sqlite' &&
    !existsSync(config.database.file) &&
    !path.isAbsolute(raw) &&
    env.DATABASE_URL === undefined &&
    path.resolve(process.cwd()) !== INSTALL_DIR;
  if (!elsewhere || opts.init) return config;
  const why =
    `DATA_DIR "${raw}" is relative to the working folder ${process.cwd()}, ` +
    `which is not the install folder ${INSTALL_DIR}, and holds no database`;
  if (!opts.creates)
    throw new Error(
      `${why}. Run from the install folder, set DATA_DIR to an absolute path, ` +
        `or add --init to create a new, empty database in ${config.dataDir}.`,
    );
  io.stderr.write(
    `gatehouse: warning: ${why}: a new, empty one is created there. ` +
      'Run from the install folder or set DATA_DIR to an absolute path to use an existing one.\n',
  );
  return config;
}

/**
 * Runs `fn` with the core services on a migrated database, then closes it. The database and the core are
 * loaded here, not when the CLI starts: `gatehouse --version` and `--help` load neither.
 */
async function withServices<T>(io: CliIo, flags: CliFlags, fn: (s: Services) => Promise<T>): Promise<T> {
  const config = cliConfig(io, { init: flags.init });
  checkWrittenPaths(config, 'database');
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

/** `--format table|json`: a table for people, or the admin API's JSON shape. */
export const formatOption = () =>
  new Option('--format <format>', 'table or json (the admin API shape)').choices(['table', 'json']).default('table');

export const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
export const integer = (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`not a whole number: ${v}`);
  return Number(v);
};
/** A whole number from `min` to `max`: one outside is refused, not quietly moved into the range. */
export const integerIn = (min: number, max: number) => (v: string) => {
  const n = integer(v);
  if (n < min || n > max) throw new Error(`not from ${min} to ${max}: ${v}`);
  return n;
};
