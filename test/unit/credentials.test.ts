import { describe, expect, it } from 'vitest';
import { createCredentials, type CredentialKind, type ReadableKind } from '../../src/core/credentials/service.js';
import { errors } from '../../src/core/errors.js';
import type { User } from '../../src/core/users/service.js';

// An in-memory session registry: live sessions by id, users by id, and a switch that makes the database fail.
function world() {
  const users = new Map<string, User>([['u1', { id: 'u1', email: 'ada@example.com' } as User]]);
  const live = new Set<string>();
  const opened: { userId: string; door: string; proven: boolean }[] = [];
  const state = { databaseDown: false };
  const down = () => {
    if (state.databaseDown) throw errors.databaseUnavailable();
  };
  const credentials = createCredentials({
    sessions: {
      async open(userId, door, _client, lifetimeMs, o) {
        const id = `s${opened.length + 1}`;
        opened.push({ userId, door, proven: o?.proven !== false });
        live.add(id);
        return { id, expiresAt: new Date(lifetimeMs) };
      },
      async check(userId, sessionId) {
        down();
        const user = users.get(userId);
        if (!user || !live.has(sessionId)) throw errors.invalidToken();
        return user;
      },
      async checkUser(userId) {
        down();
        const user = users.get(userId);
        if (!user) throw errors.invalidToken();
        return user;
      },
      async seen() {},
    },
  });
  return { credentials, users, live, opened, state };
}

/** A kind whose token is `<userId>.<sessionId>`. */
const dotted: CredentialKind<string> = {
  id: 'dotted',
  door: 'test',
  sessionMs: 1000,
  mint: async (user, sessionId) => `${user.id}.${sessionId}`,
  read: async (token) => {
    const [userId, sessionId] = token.split('.');
    return userId && sessionId ? { userId, sessionId } : undefined;
  },
};

/** A session-less kind whose token is the user id (a personal token). */
const personal: ReadableKind<{ userId: string; sessionId: null }> = {
  id: 'personal',
  read: async (token) => (token ? { userId: token, sessionId: null } : undefined),
};

describe('credentials.issue and credentials.resolve', () => {
  it('opens a session through the kind’s door and resolves its credential while the session lives', async () => {
    const w = world();
    const { session, credential } = await w.credentials.issue(dotted, w.users.get('u1')!, NO_CLIENT, undefined);
    expect(w.opened).toEqual([{ userId: 'u1', door: 'test', proven: true }]);
    expect(await w.credentials.resolve(dotted, credential)).toMatchObject({ ok: true, user: { id: 'u1' } });
    w.live.delete(session.id);
    expect(await w.credentials.resolve(dotted, credential)).toMatchObject({ ok: false, reason: 'ended' });
    expect(await w.credentials.resolve(dotted, 'garbage')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('opens an unproven session for a kind that says so (impersonation)', async () => {
    const w = world();
    await w.credentials.issue({ ...dotted, unproven: true }, w.users.get('u1')!, NO_CLIENT, undefined);
    expect(w.opened[0]!.proven).toBe(false);
  });

  it('checks a session-less credential against its user alone', async () => {
    const w = world();
    expect(await w.credentials.resolve(personal, 'u1')).toMatchObject({ ok: true, user: { id: 'u1' } });
    w.users.delete('u1');
    expect(await w.credentials.resolve(personal, 'u1')).toMatchObject({ ok: false, reason: 'ended' });
  });

  it('does not read a database outage as an ended session (the caller answers 503, not 401)', async () => {
    const w = world();
    const { credential } = await w.credentials.issue(dotted, w.users.get('u1')!, NO_CLIENT, undefined);
    w.state.databaseDown = true;
    await expect(w.credentials.resolve(dotted, credential)).rejects.toMatchObject({ code: 'database-unavailable' });
    await expect(w.credentials.resolve(personal, 'u1')).rejects.toMatchObject({ code: 'database-unavailable' });
  });

  it('takes a kind’s name once', () => {
    const w = world();
    w.credentials.register(dotted);
    expect(() => w.credentials.register({ ...dotted })).toThrow(/registered twice/);
    expect(w.credentials.registered()).toEqual(['dotted']);
  });
});

const NO_CLIENT = { ip: null, userAgent: null };
