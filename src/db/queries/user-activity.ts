import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database } from '../types.js';

/** What a successful sign-in writes on its user: the time (signed in, and so seen) and one more sign-in. */
export const signInStamp = (now: Date) => (eb: ExpressionBuilder<Database, 'users'>) => ({
  last_login_at: now,
  last_seen_at: now,
  sign_in_count: eb('sign_in_count', '+', 1),
});

/** "Last seen": written by the session registry, at most once a minute per session (migration 0029). */
export function createUserActivityQueries(db: Kysely<Database>, dialect: DialectName) {
  // The condition keeps a late, older stamp from moving the time back, and makes a repeat a no-op.
  const touch = prepare<{ id: string; now: Date }, never>(dialect, (p) =>
    db
      .updateTable('users')
      .set({ last_seen_at: p.now })
      .where('id', '=', p.id)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', p.now)])),
  );
  return {
    async touchSeen(id: string, now: Date): Promise<void> {
      await touch(db, { id, now });
    },
  };
}
