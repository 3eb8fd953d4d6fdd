import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

const Policy = Type.Object(
  { roles: Type.Record(Type.String(), Type.Array(Type.String())) },
  { additionalProperties: false },
);
export type Policy = Static<typeof Policy>;

/** privacyIDEA-style rights of the two built-in roles; operators extend or replace them with RIGHTS_POLICY. */
export const DEFAULT_POLICY: Policy = {
  roles: {
    admin: [
      'audit',
      'enroll',
      'assign',
      'unassign',
      'enable',
      'disable',
      'revoke',
      'reset',
      'resync',
      'setpin',
      'delete',
      'tokenlist',
      'userlist',
      'policyread',
      'policywrite',
      'configread',
      'configwrite',
    ],
    // userlist: a privacyIDEA user may read their own record (GET /user/), which the web UIs show.
    user: ['enroll', 'enable', 'disable', 'resync', 'reset', 'setpin', 'delete', 'tokenlist', 'auditlog', 'userlist'],
  },
};

/** Reads the roles → rights mapping (YAML or JSON; data only). */
export function loadPolicy(file: string | undefined): Policy {
  if (!file) return DEFAULT_POLICY;
  const text = readFileSync(file, 'utf8');
  const data: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  if (!Value.Check(Policy, data))
    throw new Error(`RIGHTS_POLICY ${file}: expected { roles: { <role>: [<right>, …] } }`);
  return data;
}

/** The rights of a set of roles: the union, sorted. */
export function rightsOf(policy: Policy, roles: string[]): string[] {
  return [...new Set(roles.flatMap((r) => policy.roles[r] ?? []))].sort();
}
