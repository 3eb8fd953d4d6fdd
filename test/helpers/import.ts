import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ImportSummary } from '../../src/import/summary.js';
import type { TestApp } from './app.js';
import { cli } from './cli.js';

const json = (t: TestApp, url: string, payload: object) => t.request({ method: 'POST', url, payload });

/** The environment that makes the CLI use the same data folder and database as the app under test. */
export function cliEnvOf(t: TestApp): Record<string, string | undefined> {
  return {
    DATA_DIR: t.config.dataDir,
    DATABASE_URL: t.config.database.kind === 'postgres' ? t.config.database.url : undefined,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
  };
}

/** Runs `gatehouse import <source> --from <from> --format json …` and answers its summary (it must succeed). */
export const importWith = (t: TestApp, source: string, from: string, ...more: string[]): Promise<ImportSummary> =>
  importWithEnv(t, {}, source, from, ...more);

/** importWith, with more environment variables for the CLI (a source's keys, PI_PEPPER…). */
export async function importWithEnv(
  t: TestApp,
  env: Record<string, string>,
  source: string,
  from: string,
  ...more: string[]
): Promise<ImportSummary> {
  const res = await cli(['import', source, '--from', from, '--format', 'json', ...more], { ...cliEnvOf(t), ...env });
  expect(res.stderr).not.toMatch(/gatehouse: (?!DATA_DIR)/);
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as ImportSummary;
}

/** The stored password hash of a user, read through the app's own services. */
export async function storedHash(t: TestApp, email: string): Promise<string | null> {
  const user = await t.app.services.users.require(email);
  return user.passwordHash;
}

/** An HBP login, with the TOTP step when the account asks for one. */
export async function hbpLogin(t: TestApp, email: string, password: string, code?: string) {
  const res = await json(t, '/auth/login', { email, password });
  if (res.statusCode !== 200 || !res.json().mfa) return res;
  return json(t, '/auth/mfa/totp', { ticket: res.json().ticket, code });
}

export const humhubLogin = (t: TestApp, username: string, password: string) =>
  json(t, '/api/v1/auth/login', { username, password });

export const rocketchatLogin = (t: TestApp, user: string, password: string, code?: string) =>
  json(t, '/api/v1/login', { user, password, ...(code ? { code } : {}) });

export const privacyideaLogin = (t: TestApp, username: string, password: string) =>
  json(t, '/auth', { username, password });

export const ok = (res: LightMyRequestResponse) => {
  expect(res.statusCode, res.body).toBe(200);
  return res;
};
