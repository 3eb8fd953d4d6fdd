import type { Queries } from '../../db/queries/index.js';
import type { PasskeyRow } from '../../db/queries/webauthn-credentials.js';
import type { Audit } from '../audit/service.js';
import { errors } from '../errors.js';
import type { Actor } from '../sessions/actor.js';
import type { UserService } from '../users/service.js';

/** Listing, renaming and removing passkeys, by their owner or an admin; every change is audited. */
/** Removing the last way in needs the caller to say so. */
const LAST_PASSKEY = 'This is your last way to sign in: send {"confirm": true} to remove it anyway';

export function createPasskeyManagement<P>(deps: {
  queries: Queries;
  users: Pick<UserService, 'get' | 'passwordRealm'>;
  audit: Audit;
  present: (row: PasskeyRow) => P;
}) {
  const { queries, audit } = deps;

  /** Whether the user can sign in without passkeys: a local password or a directory's. */
  async function hasPassword(userId: string): Promise<boolean> {
    const user = await deps.users.get(userId);
    return Boolean(user?.passwordHash) || (await deps.users.passwordRealm(userId)) !== null;
  }

  const record = (actor: Actor, action: string, userId: string, id: string) =>
    audit.recordBy(actor, action, userId, { passkey: id });

  return {
    async list(userId: string): Promise<P[]> {
      return (await queries.passkeys.listOf(userId)).map(deps.present);
    },

    async rename(userId: string, id: string, nickname: string, actor: Actor): Promise<void> {
      if (!(await queries.passkeys.rename(userId, id, nickname.trim()))) throw errors.notFound('No such passkey');
      await record(actor, 'passkey.rename', userId, id);
    },

    /**
     * Removes one passkey; nothing else ends (sessions it opened stay). Removing the owner's last way
     * in (their only passkey, and no password) needs `confirm`; an admin's removal is its own confirmation.
     */
    async remove(userId: string, id: string, actor: Actor, confirm: boolean): Promise<void> {
      const mine = await queries.passkeys.listOf(userId);
      if (!mine.some((p) => p.id === id)) throw errors.notFound('No such passkey');
      const byOwner = actor.kind === 'user' && actor.id === userId;
      if (byOwner && !confirm && mine.length === 1 && !(await hasPassword(userId)))
        throw errors.lastSignInMethod(LAST_PASSKEY);
      if (!(await queries.passkeys.remove(userId, id))) throw errors.notFound('No such passkey');
      await record(actor, 'passkey.remove', userId, id);
    },
  };
}
