import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';
import { Id } from './users.js';

const DateTime = Type.String({ format: 'date-time' });
const SignInSources = Type.Object({
  realm: Type.Object({
    name: Type.String(),
    source: Type.Union([Type.Literal('local'), Type.Literal('directory')], {
      description: 'directory: an LDAP directory stands behind the realm',
    }),
    directory: Type.Union([
      Type.Object({
        url: Type.String(),
        configured_in: Type.Union([Type.Literal('api'), Type.Literal('file')]),
        default: Type.Boolean(),
      }),
      Type.Null(),
    ]),
  }),
  providers: Type.Array(
    Type.Object({
      provider: Type.String({ description: 'oidc, github… or ldap:<realm> for a directory entry' }),
      kind: Type.Union([Type.Literal('provider'), Type.Literal('directory')]),
      email: Type.Union([Type.String(), Type.Null()]),
      linked_at: DateTime,
      last_used_at: Type.Union([DateTime, Type.Null()]),
    }),
  ),
});

/** GET /admin/users/:id/providers: the outside accounts linked to a user and where their realm comes from. */
export function registerSignInSourceRoutes(app: App, s: Services): void {
  app.get(
    '/users/:id/providers',
    {
      schema: {
        tags: ['admin'],
        summary:
          "A user's linked OAuth / OpenID Connect providers and directory entries, and their realm's source (local " +
          'or an LDAP directory)',
        params: Id,
        response: responses({ 200: SignInSources }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const { linked, realm } = await s.signInSources.of(request.params.id);
      return {
        realm: {
          name: realm.realm,
          source: realm.kind,
          directory: realm.directory && {
            url: realm.directory.url,
            configured_in: realm.directory.source,
            default: realm.directory.isDefault,
          },
        },
        providers: linked.map((l) => ({
          provider: l.provider,
          kind: l.kind,
          email: l.email,
          linked_at: l.linkedAt.toISOString(),
          last_used_at: l.lastUsedAt?.toISOString() ?? null,
        })),
      };
    },
  );
}
