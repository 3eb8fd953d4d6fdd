import type { DirectoryInput } from './settings-schema.js';

export type { DirectoryInput, NamedDirectoryInput } from './settings-schema.js';

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
