import type { Queries } from '../../db/queries/index.js';
import { errors } from '../errors.js';

/** Directory links are identities of provider `ldap:<realm>`. */
export const providerOf = (realm: string) => `ldap:${realm}`;

/**
 * The realm whose directory holds a user's password (their link to a directory entry), or null for a local password.
 */
export async function passwordRealmOf(queries: Queries, userId: string): Promise<string | null> {
  const ldap = (await queries.userIdentities.ofUser(userId)).find((i) => i.provider.startsWith('ldap:'));
  return ldap ? ldap.provider.slice('ldap:'.length) : null;
}

/** A password set, changed or reset through Gatehouse for a user whose password is the directory's. */
export const passwordManagedByDirectory = (realm: string) =>
  errors.passwordManagedByDirectory(
    `This account's password is managed by the directory of realm ${realm}; change it there`,
  );
