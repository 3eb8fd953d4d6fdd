import { Type } from '@sinclair/typebox';
import type { Actor } from '../../../core/sessions/actor.js';
import type { Services } from '../../../services.js';

/** Personal bearer tokens over HTTP, shared by the user's own routes and the admin API. */
export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  revoked: Type.Boolean(),
  created_at: Type.String(),
});
export const NewToken = Type.Object({
  id: Type.String(),
  token: Type.String({ description: 'Shown once' }),
  expires_at: Type.Union([Type.String(), Type.Null()]),
});
export const TokenBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
});

/** A token as the API shows it. */
export const tokenInfo = (t: {
  id: string;
  name: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}) => ({
  id: t.id,
  name: t.name,
  expires_at: t.expiresAt?.toISOString() ?? null,
  revoked: t.revokedAt !== null,
  created_at: t.createdAt.toISOString(),
});

export function bearerTokens(s: Services) {
  return {
    list: async (userId: string) => (await s.apiTokens.list(userId, 'bearer')).map(tokenInfo),
    create: async (userId: string, body: { name: string; expires_in_days?: number }, actor: Actor) => {
      const t = await s.apiTokens.issue(userId, 'bearer', {
        lifetimeMs: body.expires_in_days ? body.expires_in_days * 86_400_000 : null,
        name: body.name,
        actor,
      });
      return { id: t.id, token: t.token, expires_at: t.expiresAt?.toISOString() ?? null };
    },
  };
}
