import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL } from './helpers/postgres.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register, uniqueEmail, type SessionReply } from './helpers/auth.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

// Short bounds so that a stalled path shows within the test; the defaults are a few seconds.
const BOUNDS = {
  DATABASE_STATEMENT_TIMEOUT_MS: '1000',
  DATABASE_ACQUIRE_TIMEOUT_MS: '1000',
  RATE_LIMIT_ENABLED: 'false',
};

const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'The database is unavailable, try again shortly',
  code: 'database-unavailable',
};

/** The calls the issue found answering 500 during an outage, each in the native envelope. */
function nativeCalls(t: TestApp, s: SessionReply) {
  return {
    register: () =>
      t.request({ method: 'POST', url: '/auth/register', payload: { email: uniqueEmail(), password: PASSWORD } }),
    login: () =>
      t.request({ method: 'POST', url: '/auth/login', payload: { email: s.user.email, password: PASSWORD } }),
    refresh: () => t.request({ url: `/auth/token/refresh?refresh_token=${s.refresh_token}` }),
    user: () => t.request({ url: '/auth/user', headers: bearer(s.jwt_token) }),
  };
}

async function expectUnavailable(res: Awaited<ReturnType<TestApp['request']>>) {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.json()).toEqual(UNAVAILABLE);
  expect(res.headers['retry-after']).toBe('5');
}

describe('PostgreSQL behind a proxy that refuses, cuts and stalls', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let session: SessionReply;

  beforeAll(async () => {
    const target = new URL(ADMIN_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    t = await buildTestApp('postgres', BOUNDS, (url) => proxy.via(url));
    session = await register(t);
  });
  afterAll(async () => {
    await proxy?.heal();
    await t?.close();
    await proxy?.close();
  });

  it('answers 503 database-unavailable with Retry-After while connections are refused, then recovers', async () => {
    await proxy.refuse();
    for (const [name, call] of Object.entries(nativeCalls(t, session))) {
      const res = await call();
      expect(res.statusCode, name).toBe(503);
      await expectUnavailable(res);
    }
    expect((await t.request({ url: '/health' })).statusCode).toBe(503);

    await proxy.heal();
    const login = await nativeCalls(t, session).login();
    expect(login.statusCode).toBe(200);
    session = login.json();
    expect((await nativeCalls(t, session).user()).statusCode).toBe(200);
    expect((await t.request({ url: '/health' })).statusCode).toBe(204);
    expect(t.undeclared).toEqual([]);
  });

  it('answers 503 in every dialect envelope, each with Retry-After', async () => {
    const credentials = { username: session.user.email, password: PASSWORD };
    await proxy.refuse();
    try {
      const humhub = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: credentials });
      expect([humhub.statusCode, humhub.json()]).toEqual([
        503,
        { name: 'Service Unavailable', message: UNAVAILABLE.message, code: 0, status: 503 },
      ]);
      const rocketchat = await t.request({
        method: 'POST',
        url: '/api/v1/login',
        payload: { user: session.user.email, password: PASSWORD },
      });
      expect([rocketchat.statusCode, rocketchat.json()]).toEqual([503, { success: false, error: UNAVAILABLE.message }]);
      const privacyidea = await t.request({ method: 'POST', url: '/auth', payload: credentials });
      expect([privacyidea.statusCode, privacyidea.json().result]).toEqual([
        503,
        { status: false, error: { code: 503, message: UNAVAILABLE.message } },
      ]);
      const datarhei = await t.request({ method: 'POST', url: '/api/login', payload: credentials });
      expect([datarhei.statusCode, datarhei.json()]).toEqual([
        503,
        { code: 503, message: UNAVAILABLE.message, details: [] },
      ]);
      for (const res of [humhub, rocketchat, privacyidea, datarhei]) expect(res.headers['retry-after']).toBe('5');
    } finally {
      await proxy.heal();
    }
  });

  it('answers 503 to a request whose connection is cut mid-query, and serves the next one on a new connection', async () => {
    proxy.stall();
    // A login always reads the database (who-am-I answers may come from the session cache).
    const inFlight = nativeCalls(t, session).login();
    // The query is on the wire once the request is waiting on the stalled path.
    await new Promise((resolve) => setTimeout(resolve, 200));
    proxy.cut();
    await expectUnavailable(await inFlight);
    await proxy.heal();
    expect((await nativeCalls(t, session).login()).statusCode).toBe(200);
  });

  it('bounds every request while the path is stalled, /health within 1 s, and recovers without a restart', async () => {
    // Warm the pool, so that some requests wait on open connections and others on new ones.
    await Promise.all([nativeCalls(t, session).login(), nativeCalls(t, session).login()]);
    proxy.stall();
    try {
      const started = Date.now();
      const health = await t.request({ url: '/health' });
      const healthMs = Date.now() - started;
      expect(health.statusCode).toBe(503);
      // The deadline is 1 s; the margin absorbs a loaded machine, not a missing bound (unbounded is forever).
      expect(healthMs).toBeLessThan(3000);

      const begun = Date.now();
      const answers = await Promise.all([...Array(4)].map(() => nativeCalls(t, session).login()));
      for (const res of answers) await expectUnavailable(res);
      // statement bound 1 s + 1 s client margin, acquire bound 1 s; the rest is margin for a loaded machine.
      expect(Date.now() - begun).toBeLessThan(8000);
    } finally {
      await proxy.heal();
    }
    expect((await nativeCalls(t, session).login()).statusCode).toBe(200);
    expect((await t.request({ url: '/health' })).statusCode).toBe(204);
  });
});

describe('PostgreSQL refusing new connections to the database (SQLSTATE 55000 at connect)', () => {
  let t: TestApp;
  let session: SessionReply;
  let name: string;
  const asAdmin = async (sql: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    t = await buildTestApp('postgres', BOUNDS);
    session = await register(t);
    name = new URL((t.config.database as { url: string }).url).pathname.slice(1);
  });
  afterAll(async () => {
    await asAdmin(`alter database ${name} allow_connections true`).catch(() => undefined);
    await t?.close();
  });

  it('answers 503 database-unavailable, not 500, while the database does not accept connections, then recovers', async () => {
    await asAdmin(`alter database ${name} allow_connections false`);
    await asAdmin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
    try {
      for (const [call, run] of Object.entries(nativeCalls(t, session))) {
        const res = await run();
        expect(res.statusCode, call).toBe(503);
        await expectUnavailable(res);
      }
      const humhub = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: session.user.email, password: PASSWORD },
      });
      expect(humhub.statusCode).toBe(503);
    } finally {
      await asAdmin(`alter database ${name} allow_connections true`);
    }
    expect((await nativeCalls(t, session).login()).statusCode).toBe(200);
    expect(t.undeclared).toEqual([]);
  });
});

describe('SQLite locked by another writer beyond the busy timeout', () => {
  let t: TestApp;
  let session: SessionReply;

  beforeAll(async () => {
    t = await buildTestApp('sqlite', { ...BOUNDS, DATABASE_ACQUIRE_TIMEOUT_MS: '200' });
    session = await register(t);
  });
  afterAll(() => t?.close());

  it('answers 503 database-unavailable to writes while reads go on, then recovers', async () => {
    if (t.config.database.kind !== 'sqlite') throw new Error('expected SQLite');
    const other = new SqliteDatabase(t.config.database.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const calls = nativeCalls(t, session);
      for (const call of [calls.register, calls.login, calls.refresh]) await expectUnavailable(await call());
      expect((await calls.user()).statusCode).toBe(200);
      expect((await t.request({ url: '/health' })).statusCode).toBe(204);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const login = await nativeCalls(t, session).login();
    expect(login.statusCode).toBe(200);
    expect((await nativeCalls(t, login.json()).refresh()).statusCode).toBe(200);
    expect(t.undeclared).toEqual([]);
  });
});
