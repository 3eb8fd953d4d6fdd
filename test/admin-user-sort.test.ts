import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { login, PASSWORD } from './helpers/auth.js';

// Issue 29: the admin user list sorted on the server (email, created, last seen, sign-in count; both directions),
// paged by keyset cursors that carry the sort key. The bugs guarded: a page boundary inside a run of equal values
// (ties broken by numeric id) skipping or repeating users, never-seen users (null) lost between pages, and a cursor
// of one order misread as a position in another.

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

interface Listed {
  id: string;
  numeric_id: number;
  email: string;
  created_at: string;
  last_seen_at: string | null;
  sign_in_count: number;
}

async function listAll(t: TestApp, query: string, limit: number): Promise<Listed[]> {
  const all: Listed[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request({
      url: `/admin/users?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: admin,
    });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { users: Listed[]; next_cursor: string | null };
    all.push(...page.users);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

const SORTS = {
  email: (u: Listed) => u.email,
  created: (u: Listed) => u.created_at,
  last_seen: (u: Listed) => u.last_seen_at,
  sign_ins: (u: Listed) => u.sign_in_count,
} as const;

/** The order the server must give: the key (null least), then numeric id; descending reverses both. */
function expected(users: Listed[], by: keyof typeof SORTS, desc: boolean): string[] {
  const key = SORTS[by];
  const sorted = [...users].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x !== y) return x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return a.numeric_id - b.numeric_id;
  });
  return (desc ? sorted.reverse() : sorted).map((u) => u.email);
}

describe.each(DATABASES)('admin user list sorted on the server on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });

  it('walks every order in both directions across pages, ties and never-seen users included', async () => {
    const t = get();
    // Names out of creation order; created in pairs at the same instant (ties on created).
    const names = ['mia', 'bob', 'zoe', 'amy', 'kai', 'eve', 'lou', 'dan', 'ivy'];
    for (const [i, name] of names.entries()) {
      if (i % 2 === 0) t.clock.advanceSeconds(60);
      const res = await t.request({
        method: 'POST',
        url: '/admin/users',
        headers: admin,
        payload: { email: `${name}@sort.test`, password: PASSWORD },
      });
      expect(res.statusCode).toBe(201);
    }
    // Sign-ins: 0, 1 or 2 each (ties on the count), at different times; a third of them never seen.
    for (const [i, name] of names.entries()) {
      for (let n = 0; n < i % 3; n++) {
        t.clock.advanceSeconds(90);
        expect((await login(t, `${name}@sort.test`)).statusCode).toBe(200);
      }
    }
    const users = await listAll(t, 'search=sort.test', 50);
    expect(users).toHaveLength(names.length);
    expect(users.filter((u) => u.last_seen_at === null)).toHaveLength(3);
    expect(users.find((u) => u.email === 'lou@sort.test')?.sign_in_count).toBe(0);
    expect(users.find((u) => u.email === 'dan@sort.test')?.sign_in_count).toBe(1);
    expect(users.find((u) => u.email === 'ivy@sort.test')?.sign_in_count).toBe(2);

    for (const by of Object.keys(SORTS) as (keyof typeof SORTS)[]) {
      for (const order of ['asc', 'desc'] as const) {
        const want = expected(users, by, order === 'desc');
        for (const limit of [2, 4]) {
          const got = await listAll(t, `sort=${by}&order=${order}`, limit);
          expect(
            got.map((u) => u.email),
            `${by} ${order} by ${limit}`,
          ).toEqual(want);
          const searched = await listAll(t, `search=sort.test&sort=${by}&order=${order}`, limit);
          expect(
            searched.map((u) => u.email),
            `search, ${by} ${order} by ${limit}`,
          ).toEqual(want);
        }
      }
    }
  });

  it('refuses a cursor made for another order, and an order without a sort', async () => {
    const t = get();
    for (const email of ['one@cursor.test', 'two@cursor.test']) {
      const payload = { email, password: PASSWORD };
      expect((await t.request({ method: 'POST', url: '/admin/users', headers: admin, payload })).statusCode).toBe(201);
    }
    const first = await t.request({ url: '/admin/users?sort=email&limit=1', headers: admin });
    const cursor = (first.json() as { next_cursor: string }).next_cursor;
    expect(cursor).toBeTruthy();
    for (const query of [
      `sort=created&cursor=${cursor}`,
      `sort=email&order=desc&cursor=${cursor}`,
      `cursor=${cursor}`,
    ]) {
      const res = await t.request({ url: `/admin/users?${query}`, headers: admin });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message).toMatch(/cursor/i);
    }
    const bare = await t.request({ url: '/admin/users?limit=1', headers: admin });
    const plain = (bare.json() as { next_cursor: string }).next_cursor;
    expect((await t.request({ url: `/admin/users?sort=email&cursor=${plain}`, headers: admin })).statusCode).toBe(400);
    expect((await t.request({ url: '/admin/users?order=desc', headers: admin })).statusCode).toBe(400);
    expect((await t.request({ url: '/admin/users?sort=password', headers: admin })).statusCode).toBe(400);
  });
});
