import type { ApiTokens } from '../../../core/api-tokens/service.js';
import type { CredentialKind, SessionClaims } from '../../../core/credentials/service.js';

/** The kind stored in api_tokens, and the door its sessions record. */
const KIND = 'rocketchat';

/** Rocket.Chat's resume token (X-Auth-Token, `resume`): an opaque token of the api_tokens table, one per session. */
export function createResumeTokens(o: { apiTokens: ApiTokens; lifetimeMs: number }): CredentialKind<string> {
  return {
    id: 'rocketchat-resume',
    door: KIND,
    sessionMs: o.lifetimeMs,

    async mint(user, sessionId) {
      return (await o.apiTokens.issue(user.id, KIND, { lifetimeMs: o.lifetimeMs, sessionId })).token;
    },

    async read(token): Promise<SessionClaims | undefined> {
      const found = await o.apiTokens.verify(token, KIND);
      return found?.sessionId ? { userId: found.userId, sessionId: found.sessionId } : undefined;
    },
  };
}
