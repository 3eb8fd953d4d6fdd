import type { TestApp } from './app.js';

export const PASSWORD = 'a sturdy passphrase 42';

let counter = 0;
/** A fresh, unique email address per call. */
export const uniqueEmail = (prefix = 'user') => `${prefix}-${++counter}-${Date.now().toString(36)}@example.com`;

export interface SessionReply {
  jwt_token: string;
  jwt_expires_in: number;
  refresh_token: string;
  user: { id: string; email: string; display_name: string | null; avatar_url: string | null };
}

export async function register(t: TestApp, body: Record<string, unknown> = {}): Promise<SessionReply> {
  const res = await t.request({
    method: 'POST',
    url: '/auth/register',
    payload: { email: uniqueEmail(), password: PASSWORD, ...body },
  });
  if (res.statusCode !== 200) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function login(t: TestApp, email: string, password = PASSWORD) {
  return t.request({ method: 'POST', url: '/auth/login', payload: { email, password } });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Signs the user of `jwt` out of every session (HBP `POST /auth/logout` with `all`). */
export async function logoutAll(t: TestApp, jwt: string): Promise<void> {
  const res = await t.request({ method: 'POST', url: '/auth/logout', headers: bearer(jwt), payload: { all: true } });
  if (res.statusCode !== 204) throw new Error(`logout-all: ${res.statusCode} ${res.body}`);
}

/** Decodes a JWT's payload without verifying it (tests read claims). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

export function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'));
}
