import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { configFromEnvironment } from '../config/env.js';
import type { Config } from '../config/load.js';
import type { Services } from '../services.js';

/**
 * Reads the configuration once, says on stderr which data folder it uses (stdout stays clean for
 * `--format json`), and warns when a relative DATA_DIR does not exist: run from another folder,
 * the CLI would otherwise silently start a new empty database there.
 */
export function cliConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = configFromEnvironment();
  const raw = env.DATA_DIR || './data';
  const where = config.database.kind === 'sqlite' ? `SQLite at ${config.database.file}` : 'PostgreSQL';
  console.error(`gatehouse: DATA_DIR ${config.dataDir} (${where})`);
  if (!path.isAbsolute(raw) && !existsSync(config.dataDir)) {
    console.error(
      `gatehouse: warning: DATA_DIR "${raw}" does not exist in ${process.cwd()}; a new, empty one will be created. Run from the install folder or set DATA_DIR to an absolute path.`,
    );
  }
  return config;
}

/**
 * Runs `fn` with the core services on a migrated database, then closes it. The database and the core are
 * loaded here, not when the CLI starts: `gatehouse --version` and `--help` load neither.
 */
export async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  const config = cliConfig();
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

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * A destructive verb goes ahead with `--yes`; on a terminal it asks; without one (a script, a pipe)
 * it refuses, so nothing is deleted by a command that nobody confirmed.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new Error(`${question} Not confirmed: add --yes to run this without a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
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

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));
