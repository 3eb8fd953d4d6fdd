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

/** A directory with every default filled in; `bindPassword` is clear text, only ever in memory. */
export interface Directory {
  realm: string;
  url: string;
  bindDn: string | null;
  bindPassword: string | null;
  searchBase: string;
  userFilter: string;
  attributes: { username: string; email: string; displayName: string; externalId: string };
  groupBaseDn: string | null;
  groupFilter: string;
  groupRoles: Record<string, string>;
  startTls: boolean;
  caFile: string | null;
  timeoutMs: number;
  isDefault: boolean;
  source: 'api' | 'file';
}

export const DEFAULT_USER_FILTER = '(&(objectClass=inetOrgPerson)(|(uid={login})(mail={login})))';
export const DEFAULT_GROUP_FILTER = '(&(objectClass=groupOfNames)(member={dn}))';

export function toDirectory(
  realm: string,
  input: DirectoryInput,
  bindPassword: string | null,
  source: Directory['source'],
): Directory {
  const a = input.attributes ?? {};
  return {
    realm,
    url: input.url,
    bindDn: input.bind_dn ?? null,
    bindPassword,
    searchBase: input.search_base,
    userFilter: input.user_filter ?? DEFAULT_USER_FILTER,
    attributes: {
      username: a.username ?? 'uid',
      email: a.email ?? 'mail',
      displayName: a.display_name ?? 'cn',
      externalId: a.external_id ?? 'entryUUID',
    },
    groupBaseDn: input.group_base_dn ?? null,
    groupFilter: input.group_filter ?? DEFAULT_GROUP_FILTER,
    groupRoles: input.group_roles ?? {},
    startTls: input.start_tls ?? false,
    caFile: input.ca_file ?? null,
    timeoutMs: input.timeout_ms ?? 5000,
    isDefault: input.default ?? false,
    source,
  };
}

/** The settings as stored and shown: never the password. */
export function settingsOf(d: Directory): Omit<DirectoryInput, 'bind_password'> {
  return {
    url: d.url,
    bind_dn: d.bindDn,
    search_base: d.searchBase,
    user_filter: d.userFilter,
    attributes: {
      username: d.attributes.username,
      email: d.attributes.email,
      display_name: d.attributes.displayName,
      external_id: d.attributes.externalId,
    },
    group_base_dn: d.groupBaseDn,
    group_filter: d.groupFilter,
    group_roles: d.groupRoles,
    start_tls: d.startTls,
    ca_file: d.caFile,
    timeout_ms: d.timeoutMs,
    default: d.isDefault,
  };
}

/** Problems with one YAML entry, in words an operator can act on. */
export function checkNamedInput(value: unknown): string[] {
  return [...Value.Errors(NamedDirectoryInput, value)].map((e) => `${e.path || '/'}: ${e.message}`);
}
