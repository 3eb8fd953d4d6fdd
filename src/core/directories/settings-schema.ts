import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * What an operator configures for one directory, in the admin API, the CLI and the YAML
 * file alike (snake_case, as in the issue). The bind password is write-only.
 */
const Dn = Type.String({ minLength: 1, maxLength: 1024 });
export const RealmName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

export const DirectoryFields = {
  url: Type.String({
    pattern: '^ldaps?://[^\\s/]+/?$',
    maxLength: 512,
    description: 'ldap://host:port or ldaps://host:port',
  }),
  bind_dn: Type.Optional(
    Type.Union([Dn, Type.Null()], { description: 'DN of the service account that searches; absent: anonymous search' }),
  ),
  bind_password: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Null()], {
      description: 'Write-only; stored encrypted',
    }),
  ),
  search_base: Dn,
  user_filter: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 2048,
      pattern: '\\{login\\}',
      description: '{login} stands for the login name, RFC 4515-escaped',
    }),
  ),
  attributes: Type.Optional(
    Type.Object(
      {
        username: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        email: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      },
      { additionalProperties: false },
    ),
  ),
  group_base_dn: Type.Optional(Type.Union([Dn, Type.Null()])),
  group_filter: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 2048,
      pattern: '\\{dn\\}',
      description: '{dn} stands for the user entry DN, RFC 4515-escaped',
    }),
  ),
  group_roles: Type.Optional(
    Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), {
      description: 'group cn → role',
    }),
  ),
  start_tls: Type.Optional(Type.Boolean()),
  ca_file: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Null()], {
      description: 'PEM file of the CA that signed the server certificate',
    }),
  ),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000 })),
  default: Type.Optional(Type.Boolean({ description: 'Searched by logins that name no realm' })),
};

export const DirectoryInput = Type.Object(DirectoryFields, { additionalProperties: false });
export type DirectoryInput = Static<typeof DirectoryInput>;
export const NamedDirectoryInput = Type.Object(
  { realm: RealmName, ...DirectoryFields },
  { additionalProperties: false },
);
export type NamedDirectoryInput = Static<typeof NamedDirectoryInput>;

/** Problems with one YAML entry, in words an operator can act on. */
export function checkNamedInput(value: unknown): string[] {
  return [...Value.Errors(NamedDirectoryInput, value)].map((e) => `${e.path || '/'}: ${e.message}`);
}
