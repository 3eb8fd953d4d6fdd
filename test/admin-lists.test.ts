import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { userPageQuery } from '../src/db/queries/user-list.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

interface Listed {
  users: { id: string; email: string; username: string | null; roles: string[]; mfa_enabled: boolean }[];
  next_cursor: string | null;
}

async function createUser(t: TestApp, email: string, username?: string) {
  const res = await t.request({
    method: 'POST',
    url: '/admin/users',
    headers: admin,
    payload: { email, password: PASSWORD, ...(username ? { username } : {}) },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

async function list(t: TestApp, query: string): Promise<Listed> {
  const res = await t.request({ url: `/admin/users?${query}`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe.each(DATABASES)('admin lists on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET });

  it('walks every user exactly once by cursor while users are created between pages', async () => {
    const t = get();
    for (let i = 0; i < 12; i++) await createUser(t, `walk${i}@lists.test`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let created = 0;
    do {
      const page: Listed = await list(t, `limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.users.length).toBeLessThanOrEqual(5);
      seen.push(...page.users.map((u) => u.email));
      cursor = page.next_cursor;
      if (cursor && created < 4) await createUser(t, `walk-late${created++}@lists.test`);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = [...Array(12).keys()].map((i) => `walk${i}@lists.test`);
    const late = [...Array(created).keys()].map((i) => `walk-late${i}@lists.test`);
    expect(seen.filter((e) => e.includes('@lists.test')).sort()).toEqual([...all, ...late].sort());
  });

  it('finds users by a part of their email or username, in any case, and pages the matches', async () => {
    const t = get();
    await createUser(t, 'zebra.keeper@zoo.test', 'Stripes_Keeper');
    await createUser(t, 'lion.keeper@zoo.test', 'maneKeeper');
    await createUser(t, 'visitor@park.test', 'just_visiting');
    const emails = async (q: string) => (await list(t, q)).users.map((u) => u.email).sort();
    expect(await emails('search=KEEPER@ZOO')).toEqual(['lion.keeper@zoo.test', 'zebra.keeper@zoo.test']);
    expect(await emails('search=stripes_k')).toEqual(['zebra.keeper@zoo.test']);
    expect(await emails('search=NEkEE')).toEqual(['lion.keeper@zoo.test']);
    // Under three characters there is no trigram: the term matches the start of the email or the username.
    expect(await emails('search=VI')).toEqual(['visitor@park.test']);
    expect(await emails('search=j')).toEqual(['visitor@park.test']);
    expect(await emails('search=ST')).toEqual(['zebra.keeper@zoo.test']);
    expect(await emails('search=ee')).toEqual([]);
    expect(await emails('search=_v')).toEqual([]);
    expect(await emails('search=%25')).toEqual([]);
    const first = await list(t, 'search=keeper&limit=1');
    expect(first.users).toHaveLength(1);
    const second = await list(t, `search=keeper&limit=1&cursor=${first.next_cursor}`);
    expect(second.users.map((u) => u.email)).not.toEqual(first.users.map((u) => u.email));
    expect(second.next_cursor).toBeNull();
  });

  // Migration 0031 searches one text per user, the email and the username joined: a term must not match across
  // the join (the end of one user's email and the start of their username), whatever the path of the search.
  it('matches within the email or the username, never across the two', async () => {
    const t = get();
    await createUser(t, 'across@join.test', 'named_across');
    const emails = async (q: string) => (await list(t, q)).users.map((u) => u.email);
    expect(await emails('search=across@join.test')).toEqual(['across@join.test']);
    expect(await emails('search=named_across')).toEqual(['across@join.test']);
    for (const term of ['testnamed', 'test named', 'test%0Anamed', 't%0An', '%0A', 'test%0A', '%0Anamed'])
      expect(await emails(`search=${term}`), term).toEqual([]);
    // Bug: NUL characters in the term answered 500 on SQLite (FTS5's phrase ended at the NUL).
    for (const term of ['%00%00%00', 'across%00join', '%00a']) expect(await emails(`search=${term}`), term).toEqual([]);
  });

  // Issue 24: a term of one or two characters read every user when no one had it (no trigram to narrow it). It now
  // matches the start of the email or the username, read from migration 0032's indexes in list order.
  it('pages a one- or two-character search in creation order, each match once, with or without a filter', async () => {
    const t = get();
    const made: string[] = [];
    for (let i = 0; i < 9; i++) {
      const email = i % 2 ? `plain${i}@short.test` : `qx${i}@short.test`;
      // User 3 starts with it by username only (and is matched once); user 5 holds it elsewhere (not matched).
      await createUser(t, email, i === 3 ? 'QX_named' : i === 5 ? 'has_qx' : i === 4 ? 'qx_too' : undefined);
      made.push(email);
    }
    const wanted = made.filter((e, i) => e.startsWith('qx') || i === 3);
    for (const query of ['search=QX', 'search=qx&state=active', 'search=qx&sort=email&order=asc', 'search=q']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Listed = await list(t, `${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.users.length).toBeLessThanOrEqual(2);
        seen.push(...page.users.map((u) => u.email));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen, query).toEqual(query.includes('sort=email') ? [...wanted].sort() : wanted);
    }
  });

  it('bounds the page size: 50 by default, 200 at most, at least 1', async () => {
    const t = get();
    for (let i = 0; i < 3; i++) await createUser(t, `bound${i}@lists.test`);
    expect((await list(t, 'limit=0')).users).toHaveLength(1);
    const big = await list(t, 'limit=9999');
    expect(big.users.length).toBeLessThanOrEqual(200);
    expect((await t.request({ url: '/admin/users?limit=-1', headers: admin })).statusCode).toBe(400);
  });

  it('answers 400, not 500, to a cursor it did not make', async () => {
    const t = get();
    const made = (k: unknown) => Buffer.from(JSON.stringify(k)).toString('base64url');
    for (const cursor of [
      '%%%',
      'bm90IGpzb24',
      made({ n: 1 }),
      made(['x']),
      made([1.5]),
      made([1, 2]),
      'a'.repeat(401),
    ]) {
      const res = await t.request({ url: `/admin/users?cursor=${encodeURIComponent(cursor)}`, headers: admin });
      expect(res.statusCode, cursor).toBe(400);
    }
  });

  it("pages a user's sessions (newest first) and bearer tokens (oldest first) by cursor, each once", async () => {
    const t = get();
    const email = 'many-sessions@lists.test';
    const { id } = await createUser(t, email);
    for (let i = 0; i < 5; i++) {
      const login = await t.request({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
      expect(login.statusCode).toBe(200);
      const token = await t.request({
        method: 'POST',
        url: `/admin/users/${id}/tokens`,
        headers: admin,
        payload: { name: `token ${i}` },
      });
      expect(token.statusCode).toBe(201);
    }
    async function walk(kind: 'sessions' | 'tokens') {
      const seen: { id: string; created_at: string }[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.request({
          url: `/admin/users/${id}/${kind}?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          headers: admin,
        });
        expect(res.statusCode).toBe(200);
        const page = res.json();
        expect(page[kind].length).toBeLessThanOrEqual(2);
        seen.push(...page[kind]);
        cursor = page.next_cursor;
      } while (cursor);
      return seen;
    }
    const sessions = await walk('sessions');
    expect(new Set(sessions.map((x) => x.id)).size).toBe(5);
    expect(sessions).toHaveLength(5);
    const times = sessions.map((x) => x.created_at);
    expect(times).toEqual([...times].sort().reverse());
    const tokens = await walk('tokens');
    // Tokens made in the same instant (the test clock stands still) come in id order: still each once.
    const names = tokens.map((x) => (x as unknown as { name: string }).name);
    expect(names.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `token ${i}`));
    for (const kind of ['sessions', 'tokens'])
      expect((await t.request({ url: `/admin/users/${id}/${kind}?cursor=WzFd`, headers: admin })).statusCode).toBe(400);
  });

  it('reads roles and MFA state for the rows of the page', async () => {
    const t = get();
    const { id } = await createUser(t, 'roles@lists.test');
    const put = await t.request({
      method: 'PUT',
      url: `/admin/users/${id}/roles`,
      headers: admin,
      payload: { roles: ['user', 'editor'], default_role: 'user' },
    });
    expect(put.statusCode).toBe(204);
    const [user] = (await list(t, 'search=roles@lists')).users;
    expect(user).toMatchObject({ roles: ['editor', 'user'], mfa_enabled: false });
  });
});

describe('admin lists at 20,000 users on postgres', () => {
  const get = useTestApp('postgres', { ADMIN_SECRET });

  async function plan(t: TestApp, o: Parameters<typeof userPageQuery>[2]) {
    const k = t.app.services.db.kysely;
    const q = userPageQuery(k, 'postgres', o).compile();
    const { rows } = await k.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('searches and pages through indexes, never a sequential scan of users', async () => {
    const t = get();
    const k = t.app.services.db.kysely;
    await sql`insert into users (id, email, username, default_role, active, disabled, email_verified, metadata,
        created_at, updated_at)
      select gen_random_uuid(), 'bulk' || g || '@example.net', 'member' || g, 'user', true, false, false, '{}',
        now(), now()
      from generate_series(1, 20000) g`.execute(k);
    await sql`analyze users`.execute(k);
    const plans = {
      email: await plan(t, { limit: 51, search: 'bulk1234@' }),
      username: await plan(t, { limit: 51, search: 'member777' }),
      common: await plan(t, { limit: 51, search: 'example.net', after: 100 }),
      first: await plan(t, { limit: 51 }),
      late: await plan(t, { limit: 51, after: 19_900 }),
      short: await plan(t, { limit: 51, search: 'zq' }),
      shortLate: await plan(t, { limit: 51, search: 'm', after: 19_900 }),
    };
    for (const [name, text] of Object.entries(plans)) expect(text, name).not.toMatch(/Seq Scan on users/);
    // One trigram index over the email and the username together (migration 0031).
    expect(plans.email).toMatch(/users_search_trgm/);
    expect(plans.username).toMatch(/users_search_trgm/);
    expect(plans.late).toMatch(/users_numeric_id/);
    // A term nearly every user holds: a walk in list order of the covering index, no row read (migration 0034).
    expect(plans.common).toMatch(/Index Only Scan using users_search_covering/);
    // One or two characters: the start of the email and of the username, each read in list order (migration 0032).
    expect(plans.short).toMatch(/Index Scan using users_email_start2 (.|\n)*Index Scan using users_username_start2/);
    expect(plans.shortLate).toMatch(
      /Index Scan using users_email_start1 (.|\n)*Index Scan using users_username_start1/,
    );
    const found = await list(t, 'search=BULK12345@');
    expect(found.users.map((u) => u.email)).toEqual(['bulk12345@example.net']);
  });
});

// SQLite keeps no statistics, so its plan is the same at any size. A search of one or two characters must read the
// start indexes of migration 0032 from the cursor on (`<expr>=? AND numeric_id>?`), never walk the users table:
// before 0032 a term no one had read every user.
describe('admin search of one or two characters on sqlite', () => {
  const get = useTestApp('sqlite', { ADMIN_SECRET });

  it('reads the start of the email and of the username through their indexes, from the cursor on', () => {
    const t = get();
    const planOf = (o: Parameters<typeof userPageQuery>[2]) => {
      const q = userPageQuery(t.app.services.db.kysely, 'sqlite', o).compile();
      const rows = t.app.services.db.sqlite!.prepare(`explain query plan ${q.sql}`).all(...q.parameters);
      return (rows as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    for (const [o, length] of [
      [{ limit: 51, search: 'zq' }, 2],
      [{ limit: 51, search: 'z', after: 10 }, 1],
      [{ limit: 51, search: 'zq', after: 10, realm: 'north' }, 2],
      [{ limit: 51, search: 'zq', role: 'editor' }, 2],
    ] as const) {
      const plan = planOf(o);
      for (const column of ['email', 'username'])
        expect(plan, JSON.stringify(o)).toContain(`INDEX users_${column}_start${length} (<expr>=? AND numeric_id>?)`);
      expect(plan, JSON.stringify(o)).not.toMatch(/SCAN users( |$)(?!USING)/);
    }
  });

  // No index on users for three characters or more (PostgreSQL's users_search_covering, migration 0034, has no
  // counterpart here): the FTS5 index gives the matches in rowid (numeric id) order from the cursor on, and only the
  // page's users are read, by numeric id.
  it('reads a search of three characters or more from the FTS5 index, never walking the users', () => {
    const t = get();
    for (const o of [
      { limit: 51, search: 'u42' },
      { limit: 51, search: 'u42', after: 10 },
    ]) {
      const q = userPageQuery(t.app.services.db.kysely, 'sqlite', o).compile();
      const rows = t.app.services.db.sqlite!.prepare(`explain query plan ${q.sql}`).all(...q.parameters);
      const plan = (rows as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan).toMatch(/SCAN users_search VIRTUAL TABLE INDEX/);
      expect(plan).toContain('SEARCH users USING INDEX users_numeric_id (numeric_id=?)');
      expect(plan).not.toMatch(/SCAN users( |$)/);
    }
  });
});
