import type { ApiTokens } from '../api-tokens/service.js';
import type { RefreshTokens } from '../sessions/refresh-tokens.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { ReadableKind, SessionClaims, UserClaims } from './service.js';

/** A personal bearer token's claims: its user, and the token's id. */
export type PersonalClaims = UserClaims & { tokenId: string };

/**
 * The credential kinds of the core itself, used by more than one door: HBP's access JWT and refresh token
 * (also the admin API's and storage's), and personal bearer tokens. Impersonation tokens are the impersonation
 * service's kind (`impersonation.kind`). Each is registered once, by the composition root.
 */
export function createCoreKinds(deps: {
  accessTokens: Pick<AccessTokens, 'verify'>;
  refreshTokens: Pick<RefreshTokens, 'identify'>;
  apiTokens: Pick<ApiTokens, 'verify'>;
}) {
  /** HBP's access JWT (`Authorization: Bearer`), naming its session; a bad one throws invalid-token. */
  const accessJwt: ReadableKind<AccessClaims> = { id: 'access-jwt', read: (token) => deps.accessTokens.verify(token) };

  /**
   * HBP's opaque refresh token; its family is the session. Issued with the session (`refreshTokens.open`,
   * one statement) and exchanged by the one rotation (`refreshTokens.rotate`); read here without rotating.
   */
  const refresh: ReadableKind<SessionClaims> = {
    id: 'refresh',
    async read(token) {
      const found = await deps.refreshTokens.identify(token);
      return found && { userId: found.userId, sessionId: found.familyId };
    },
  };

  /** A personal bearer token (HumHub's `Bearer` and `?access-token=`): its user's alone, no session. */
  const personal: ReadableKind<PersonalClaims> = {
    id: 'bearer',
    async read(token) {
      const found = await deps.apiTokens.verify(token, 'bearer');
      return found && { userId: found.userId, sessionId: null, tokenId: found.id };
    },
  };

  return { accessJwt, refresh, personal };
}

export type CoreKinds = ReturnType<typeof createCoreKinds>;
