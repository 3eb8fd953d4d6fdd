import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from './load.js';

/** process.env over an optional .env file in the working directory. */
export function readEnv(processEnv: Env = process.env, file = '.env'): Env {
  const fromFile = existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Env) : {};
  return { ...fromFile, ...processEnv };
}
