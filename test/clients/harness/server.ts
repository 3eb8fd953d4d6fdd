import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Env } from '../../../src/config/load.js';
import { buildTestApp, declaredStatuses, type DatabaseKind, type TestApp } from '../../helpers/app.js';
import { freePort } from '../../helpers/ports.js';

/** Secret of the x-admin-secret header, so the tests can create users through the admin API. */
export const ADMIN_SECRET = 'client-suite-admin-secret-0123456789abcdef';

export interface LiveServer {
  t: TestApp;
  /** http://127.0.0.1:<port>, what the clients are pointed at. */
  url: string;
  /** Statuses the server answered over the wire that its OpenAPI entry does not declare. */
  undeclared: string[];
}

/** The public URL the server is configured with; links it builds (avatars, issuers) start with it. */
export const SERVER_URL = 'http://gatehouse.test';

export interface ServerOptions {
  /**
   * SERVER_URL is the address the server listens on, for a real browser that must follow the
   * links and redirects it builds (a sign-in provider's callback); its clock starts at the real
   * time, by which the browser and the provider judge expiry. Default: SERVER_URL above.
   */
  reachable?: boolean;
  /** The clock starts at the real time (implied by `reachable`): an outside provider's tokens carry real times. */
  realTime?: boolean;
}

/**
 * A real Gatehouse listening on 127.0.0.1 on a free port: the clients under test speak HTTP to it,
 * exactly as they would to the system they were written for.
 */
export async function startServer(
  db: DatabaseKind,
  env: Env = {},
  options: ServerOptions = {},
): Promise<LiveServer & { close(): Promise<void> }> {
  const port = options.reachable ? await freePort() : 0;
  const t = await buildTestApp(db, {
    SERVER_URL: options.reachable ? `http://127.0.0.1:${port}` : SERVER_URL,
    ADMIN_SECRET,
    RATE_LIMIT_AUTH_PER_IP: '100000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
    ROCKETCHAT_LOGIN_PER_IP: '100000',
    ...env,
  });
  const doc = t.app.swagger() as Parameters<typeof declaredStatuses>[0];
  const undeclared: string[] = [];
  // Same check as useTestApp's inject wrapper, but for requests that arrive over the socket.
  t.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // A browser's CORS preflight is answered by the CORS plugin for every route: it is no operation of the document.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) return;
    res.on('finish', () => {
      const method = req.method ?? 'GET';
      const declared = declaredStatuses(doc, method, req.url ?? '/');
      if (declared && !declared.includes(String(res.statusCode)))
        undeclared.push(`${method} ${req.url?.split('?')[0]} → ${res.statusCode}`);
    });
  });
  if (options.reachable || options.realTime) t.clock.advance(Date.now() - t.clock.now().getTime());
  await t.app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  return { t, url, undeclared, close: () => t.close() };
}

/** One live server per suite; fails any test after which the server had answered an undeclared status. */
export function useServer(
  db: DatabaseKind,
  env: Env | (() => Env) = {},
  options: ServerOptions = {},
): () => LiveServer {
  let live: (LiveServer & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    live = await startServer(db, typeof env === 'function' ? env() : env, options);
  });
  afterAll(async () => {
    await live?.close();
  });
  afterEach(() => {
    if (live) expect(live.undeclared.splice(0), 'statuses missing from the OpenAPI document').toEqual([]);
  });
  return () => {
    if (!live) throw new Error('server not started yet');
    return live;
  };
}

let counter = 0;
/** A fresh address per call, unique across suites running at once. */
export const freshEmail = (prefix: string) =>
  `${prefix}-${++counter}-${process.pid}-${Date.now().toString(36)}@example.com`;

/** Creates a user through the admin API over HTTP, as an operator would. */
export async function createUser(
  live: LiveServer,
  body: { email: string; password: string; roles?: string[]; realm?: string; username?: string },
) {
  const res = await fetch(`${live.url}/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-secret': ADMIN_SECRET },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`creating ${body.email} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; email: string; roles: string[]; username?: string; numeric_id?: number };
}

/** Creates a realm through the admin API (409 when it exists is fine). */
export async function createRealm(live: LiveServer, name: string) {
  const res = await fetch(`${live.url}/admin/realms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-secret': ADMIN_SECRET },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating realm ${name} failed: ${res.status} ${await res.text()}`);
}
