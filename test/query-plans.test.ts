import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/client.js';
import { createQueries, type Queries } from '../src/db/queries/index.js';
import type { Database } from '../src/db/types.js';
import { createTestDatabase } from './helpers/postgres.js';
import { growDatabase, scaleOf } from './helpers/scale-data.js';

/** Large enough that the planner prefers an index over reading the table whenever it can (the audit log smaller, for time). */
const SCALE = { ...scaleOf(20_000), audit: 60_000 };
/** Tables that grow with the users: none may be read whole by a hot statement. */
const LARGE = ['users', 'sessions', 'refresh_tokens', 'api_tokens', 'tickets', 'audit_log', 'files', 'login_failures'];

/** The id `growDatabase` gave a row: `md5(<kind><n>)::uuid`. */
function md5uuid(s: string): string {
  const h = createHash('md5').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The hot statements, each run through the real query module: what the login pipeline, the auth
 * guard, rotation, logout, token and ticket checks, housekeeping, the audit filters and storage send.
 */
const HOT: [name: string, run: (q: Queries) => Promise<unknown>][] = (() => {
  const now = new Date();
  const user = md5uuid('u42');
  const session = md5uuid('s42');
  return [
    ['login lookup by email', (q) => q.users.findWithRoles('email', 'u42@scale.example')],
    ['login lookup by username', (q) => q.users.findWithRoles('username', 'U42')],
    ['session check', (q) => q.sessions.findUserWithSession(user, session)],
    ['live sessions of a user', (q) => q.sessions.liveOf(user, now)],
    [
      'refresh rotation',
      (q) =>
        q.refreshTokens.claim({
          hash: 'rt42',
          successorHash: 'rt42-next',
          now,
          graceStart: now,
          expiresAt: new Date(now.getTime() + 86_400_000),
          userAgent: null,
          ip: null,
        }),
    ],
    ['logout: the session', (q) => q.sessions.revoke(session, now)],
    ['logout: its refresh tokens', (q) => q.refreshTokens.revokeFamily(session, now)],
    ['logout: its api tokens', (q) => q.apiTokens.revokeSession(session, now)],
    ['api token lookup by hash', (q) => q.apiTokens.find('at42')],
    ['ticket by hash', (q) => q.tickets.consume('tk42', 'password-reset', now)],
    ['login failures of a key', (q) => q.loginFailures.since('ip:42', new Date(now.getTime() - 3_600_000))],
    ['file by key', (q) => q.files.get(`user/${user}/f42`)],
    ['audit by actor', (q) => q.auditLog.list({ actor: user, limit: 50 })],
    ['audit by action', (q) => q.auditLog.list({ action: 'mfa.enable', limit: 50 })],
    [
      'audit by time',
      (q) => q.auditLog.list({ since: new Date(now.getTime() - 2 * 86_400_000), until: now, limit: 50 }),
    ],
    ['admin search, three characters or more', (q) => q.userList.list({ limit: 51, search: 'u4242' })],
    ['admin search, a term many users hold', (q) => q.userList.list({ limit: 51, search: 'u42' })],
    ['admin search, a term a tenth of users hold', (q) => q.userList.list({ limit: 51, search: '0@scale' })],
    ['admin search, a later page of it', (q) => q.userList.list({ limit: 51, search: '0@scale', after: 15_000 })],
    ['admin search, two characters', (q) => q.userList.list({ limit: 51, search: 'u4', after: 5000 })],
    ['admin search, two characters no one has', (q) => q.userList.list({ limit: 51, search: 'zq' })],
    ['admin search, one character', (q) => q.userList.list({ limit: 51, search: 'u', after: 5000 })],
    ['admin search, two characters with a filter', (q) => q.userList.list({ limit: 51, search: 'zq', role: 'editor' })],
    ['admin users of a realm', (q) => q.userList.list({ limit: 51, realm: 'north' })],
    ['admin users holding a role', (q) => q.userList.list({ limit: 51, role: 'editor' })],
    ...(['disabled', 'banned', 'inactive', 'active'] as const).map((is): [string, (q: Queries) => Promise<unknown>] => [
      `admin users in state ${is}`,
      (q) => q.userList.list({ limit: 51, state: { is, now } }),
    ]),
    ...(
      [
        ['refresh_tokens', (q: Queries) => q.refreshTokens.expired],
        ['sessions', (q: Queries) => q.sessions.expired],
        ['tickets', (q: Queries) => q.tickets.expired],
        ['login_failures', (q: Queries) => q.loginFailures.expired],
        ['storage_reservations', (q: Queries) => q.storageReservations.expired],
        ['audit_log', (q: Queries) => q.auditLog.expired],
      ] as const
    ).flatMap(([table, rows]): [string, (q: Queries) => Promise<unknown>][] => [
      [`housekeeping batch of ${table}`, (q) => rows(q).deleteBatch(now, 2000)],
      [`housekeeping backlog of ${table}`, (q) => rows(q).oldest(now)],
    ]),
    ['housekeeping batch of expired sign-ons', (q) => q.sessions.expiredSignOns(now, 2000)],
    ['housekeeping backlog of expired sign-ons', (q) => q.sessions.oldestExpiredSignOn(now)],
  ];
})();

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] ? [node['Relation Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

describe('query plans of the hot statements on a grown PostgreSQL database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  const captured = new Map<string, CompiledQuery>();

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = openDatabase({
      kind: 'postgres',
      url: database.url,
      statementTimeoutMs: 60_000,
      acquireTimeoutMs: 30_000,
    });
    await migrateToLatest(db);
    await db.close();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await growDatabase(pool, SCALE);
    // The statements exactly as the query modules send them, caught on their way to the driver.
    let current = '';
    const kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (!captured.has(current)) captured.set(current, event.query);
      },
    });
    const queries = createQueries({ kysely, dialect: 'postgres' });
    for (const [name, run] of HOT) {
      current = name;
      await run(queries);
    }
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it.each(HOT.map(([name]) => name))('%s reads no large table whole', async (name) => {
    const query = captured.get(name);
    expect(query, 'the statement was sent').toBeDefined();
    const { rows } = await pool.query(`explain (format json) ${query!.sql}`, query!.parameters as unknown[]);
    const plan = (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
    expect(seqScans(plan).filter((table) => LARGE.includes(table))).toEqual([]);
  });

  // Issue 24: a term of one or two characters has no trigram. Before migration 0032 a term no one had walked
  // users_numeric_id to its end (an index scan, so the check above let it pass: 2.2 s at a million users). Now
  // each start index is read from the cursor on, and a page reads a few pages of index whatever the table holds.
  // `u4` after user 5000 is the worst case of a walk in list order: its matches (u4, u40…, u4000…) all lie before.
  it.each([
    'admin search, two characters no one has',
    'admin search, two characters',
    'admin search, two characters with a filter',
  ])('%s reads a bounded number of pages', async (name) => {
    const query = captured.get(name)!;
    const { rows } = await pool.query(`explain (analyze, buffers, format json) ${query.sql}`, [
      ...query.parameters,
    ] as unknown[]);
    const plan = (
      rows[0]['QUERY PLAN'] as { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[]
    )[0]!.Plan;
    expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThanOrEqual(40);
  });

  // Issue 24: a term many users hold walks users in list order until the page is full (`0@scale`: every tenth user;
  // `u42` at a million users, where the bench found 51 matches in the first 4,239 users). Before migration 0034 the
  // walk went through users_numeric_id, reading each user's row and computing its search text (lower() twice); it is
  // now an index-only scan of users_search_covering, whose entries hold the text: no row is read before the page's.
  it.each(['admin search, a term a tenth of users hold', 'admin search, a later page of it'])(
    '%s walks the covering index without reading rows, a bounded number of pages',
    async (name) => {
      const query = captured.get(name)!;
      const { rows } = await pool.query(`explain (analyze, buffers, format json) ${query.sql}`, [
        ...query.parameters,
      ] as unknown[]);
      const walk = nodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan).filter(
        (node) => node['Index Name'] === 'users_search_covering',
      );
      expect(walk.map((node) => [node['Node Type'], node['Heap Fetches']])).toEqual([['Index Only Scan', 0]]);
      // 51 matches among about 510 entries, a few dozen to a page.
      expect(walk[0]!['Shared Hit Blocks']! + walk[0]!['Shared Read Blocks']!).toBeLessThanOrEqual(20);
    },
  );

  // Issue 24: with GIN's fast update, new users' trigrams wait in a pending list that every search reads whole
  // (4 MB by default: at a million users, 745 pages for a term no one has); migration 0027 bounds it to 256 kB.
  // (Migration 0031 replaced the two trigram indexes with one, users_search_trgm, bounded the same way.)
  it('bounds the pending list of the trigram index of admin search', async () => {
    const { rows } = await pool.query(
      `select relname, reloptions from pg_class where relname in ('users_email_trgm', 'users_username_trgm',
        'users_search_trgm')`,
    );
    expect(rows.map((r) => [r.relname, r.reloptions])).toEqual([['users_search_trgm', ['gin_pending_list_limit=256']]]);
  });
});
