import type { ApiTokens } from '../api-tokens/service.js';
import type { RefreshTokens } from '../sessions/refresh-tokens.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { ImportedTokens } from './imported.js';
import type { ReadableKind, SessionClaims, UserClaims } from './service.js';

/** What HBP signed its access tokens with (JWT_ALGORITHM): an HMAC secret or an RSA key. */
const HBP_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'];

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
  /** Tokens HBP or hasura-auth signed before the switch, once their key is imported; the namespace of their claims. */
  imported?: { tokens: Pick<ImportedTokens, 'read'>; claimsNamespace: string };
}) {
  /**
   * An access token HBP or hasura-auth itself signed: `{[namespace]: {x-hasura-user-id, …-default-role,
   * …-allowed-roles}, exp}`.
   */
  async function hbpToken(token: string): Promise<AccessClaims | undefined> {
    if (!deps.imported) return undefined;
    const ns = deps.imported.claimsNamespace;
    const hasura = (p: Record<string, unknown>) => (p[ns] ?? {}) as Record<string, unknown>;
    const userOf = async (p: Record<string, unknown>) => {
      const id = hasura(p)['x-hasura-user-id'];
      return typeof id === 'string' ? id : undefined;
    };
    // HBP's key first, then hasura-auth's: the same claims, each key bound to its own door's imported session.
    let found = await deps.imported.tokens.read('hbp', token, HBP_ALGORITHMS, userOf);
    found ??= await deps.imported.tokens.read('hasura-auth', token, HBP_ALGORITHMS, userOf);
    if (!found) return undefined;
    const claims = hasura(found.payload);
    const allowed = claims['x-hasura-allowed-roles'];
    const role = claims['x-hasura-default-role'];
    return {
      userId: found.userId,
      sessionId: found.sessionId,
      defaultRole: typeof role === 'string' ? role : '',
      allowedRoles: Array.isArray(allowed) ? allowed.filter((r): r is string => typeof r === 'string') : [],
      tokenId: typeof found.payload.jti === 'string' ? found.payload.jti : '',
      expiresAt: found.payload.exp ?? 0,
    };
  }

  /**
   * HBP's access JWT (`Authorization: Bearer`), naming its session; a bad one throws invalid-token. One that
   * HBP signed before the switch (its key imported) belongs to the user's imported session at door `hbp`.
   */
  const accessJwt: ReadableKind<AccessClaims> = {
    id: 'access-jwt',
    async read(token) {
      try {
        return await deps.accessTokens.verify(token);
      } catch (err) {
        const old = await hbpToken(token);
        if (old) return old;
        throw err;
      }
    },
  };

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
