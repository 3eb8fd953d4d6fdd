import { closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './load.js';

/** One place Gatehouse writes, and why: the message names both. */
export interface WrittenPath {
  what: string;
  path: string;
  kind: 'folder' | 'file';
}

/** Every path this configuration writes: database file, stored files, outbox, generated secrets. */
export function writtenPaths(config: Config): WrittenPath[] {
  const out: WrittenPath[] = [];
  if (config.database.kind === 'sqlite')
    out.push({ what: 'the SQLite database', path: config.database.file, kind: 'file' });
  if (!config.storage.s3)
    out.push({ what: 'stored files (no S3_BUCKET set)', path: config.storage.root, kind: 'folder' });
  if (!config.mail.smtp)
    out.push({ what: 'the mail outbox (no SMTP_HOST set)', path: path.join(config.dataDir, 'outbox'), kind: 'folder' });
  const secrets = path.join(config.dataDir, 'secrets');
  const needed = [
    config.jwt.key === undefined ? `jwt-${config.jwt.algorithm.toLowerCase()}.key` : undefined,
    config.cookies.secret === undefined ? 'cookie-secret' : undefined,
  ].filter((f): f is string => f !== undefined);
  // Secrets already generated are only read: the folder must be writable only to create a missing one.
  if (needed.some((f) => !existsSync(path.join(secrets, f))))
    out.push({ what: 'generated secrets (JWT_KEY or COOKIE_SECRET unset)', path: secrets, kind: 'folder' });
  return out;
}

const reason = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'on a read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOSPC: 'no space left on the device',
    EEXIST: 'exists and is not a folder',
  };
  return known[e.code ?? ''] ?? e.message;
};

/** Creates the folder if needed and writes (then removes) a probe file in it; answers what is wrong, if anything. */
function checkFolder(folder: string): string | undefined {
  try {
    if (existsSync(folder) && !statSync(folder).isDirectory()) return 'is a file, not a folder';
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (err) {
    return `cannot be created: ${reason(err)}`;
  }
  const probe = path.join(folder, `.gatehouse-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    return `is not writable: ${reason(err)}`;
  }
  return undefined;
}

function checkFile(file: string): string | undefined {
  const folder = path.dirname(file);
  const problem = checkFolder(folder);
  if (problem) return `its folder ${folder} ${problem}`;
  if (!existsSync(file)) return undefined;
  try {
    if (!statSync(file).isFile()) return 'is not a regular file';
    closeSync(openSync(file, 'r+'));
  } catch (err) {
    return `is not writable: ${reason(err)}`;
  }
  return undefined;
}

/**
 * Checks at start that every path Gatehouse writes can be written, creating missing folders, so that a
 * read-only folder is one clear message naming it instead of a 500 on the first upload or a lost mail.
 * Throws a PathError listing every problem. `database` checks the SQLite file alone (what a CLI call writes).
 */
export function checkWrittenPaths(config: Config, only?: 'database'): void {
  const problems: string[] = [];
  const paths = writtenPaths(config).filter((p) => only === undefined || p.kind === 'file');
  for (const p of paths) {
    const problem = p.kind === 'folder' ? checkFolder(p.path) : checkFile(p.path);
    if (problem) problems.push(`${p.path} (${p.what}): ${problem}`);
  }
  if (problems.length) throw new PathError(problems);
}

/** Like a configuration error (exit 1, every problem listed), headed by what it is about. */
export class PathError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.name = 'PathError';
    this.message = `Gatehouse cannot write where it keeps its data:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  }
}
