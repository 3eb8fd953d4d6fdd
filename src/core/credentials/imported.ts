import type { JWTPayload } from 'jose';
import { type ImportedKeys, importedSessionId } from '../tokens/imported-keys.js';
import type { SessionClaims } from './service.js';

/** An old system's token, read: its user, the door's imported session of that user, and what the token says. */
export type ImportedClaims = SessionClaims & { payload: JWTPayload };

/**
 * Tokens the replaced systems issued before the switch, for the kinds of their doors to fall back on: verified
 * by the door's imported keys (verify-only, `tokens/imported-keys.ts`), mapped to a user by the door (each old
 * system names its user its own way: a UUID claim, a numeric id, a login name), and bound to the session the
 * import opened for that user at that door. So `credentials.resolve` checks them like any other credential: a
 * disabled or deleted user, a logout-all or the end of that session refuses them.
 */
export function createImportedTokens(deps: { keys: Pick<ImportedKeys, 'verify'> }) {
  return {
    async read(
      door: string,
      token: string,
      algorithms: readonly string[],
      userOf: (payload: JWTPayload) => Promise<string | undefined>,
    ): Promise<ImportedClaims | undefined> {
      const payload = await deps.keys.verify(door, token, algorithms);
      if (!payload) return undefined;
      const userId = await userOf(payload);
      return userId ? { userId, sessionId: importedSessionId(door, userId), payload } : undefined;
    },
  };
}

export type ImportedTokens = ReturnType<typeof createImportedTokens>;
