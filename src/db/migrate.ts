import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './client.js';
import * as core from './migrations/0001-core.js';
import * as lifecycle from './migrations/0002-lifecycle.js';
import * as files from './migrations/0003-files.js';
import * as apiTokens from './migrations/0004-api-tokens.js';
import * as realms from './migrations/0005-realms.js';
import * as authMethods from './migrations/0006-auth-methods.js';
import * as methodModes from './migrations/0007-method-modes.js';
import * as sessionsAudit from './migrations/0008-sessions-audit-identity.js';
import * as signingKeys from './migrations/0010-signing-keys.js';
import * as clientWire from './migrations/0011-client-wire.js';
import * as federation from './migrations/0012-federation.js';
import * as passwordDigest from './migrations/0013-password-digest.js';
import * as directoryMissing from './migrations/0014-directory-missing.js';
import * as numericIdSequence from './migrations/0015-numeric-id-sequence.js';
import * as sessionProof from './migrations/0016-session-proof.js';
import * as issuerAndReservations from './migrations/0017-issuer-and-reservations.js';
import * as adminLists from './migrations/0018-admin-lists.js';
import * as filesKeyOrder from './migrations/0019-files-key-order.js';
import * as housekeepingIndexes from './migrations/0020-housekeeping-indexes.js';
import * as anonymousUsers from './migrations/0021-anonymous-users.js';
import * as importedSecurityKeys from './migrations/0022-imported-security-keys.js';
import * as passkeys from './migrations/0023-passkeys.js';
import * as oidcProvider from './migrations/0024-oidc-provider.js';
import * as importedPasskeys from './migrations/0025-imported-passkeys.js';
import * as adminFiltersSearch from './migrations/0027-admin-filters-search.js';
import * as oidcGrantSid from './migrations/0028-oidc-grant-sid.js';
import * as operators from './migrations/0029-operators.js';
import * as importedSigningKeys from './migrations/0030-imported-signing-keys.js';
import * as adminSearchText from './migrations/0031-admin-search-text.js';
import * as adminShortSearch from './migrations/0032-admin-short-search.js';

type Up = (db: Parameters<Migration['up']>[0], dialect: Db['dialect']) => Promise<void>;

/** Forward-only: every migration has an `up` and nothing else. Order is the key order. */
const MIGRATIONS: Record<string, { up: Up }> = {
  '0001-core': core,
  '0002-lifecycle': lifecycle,
  '0003-files': files,
  '0004-api-tokens': apiTokens,
  '0005-realms': realms,
  '0006-auth-methods': authMethods,
  '0007-method-modes': methodModes,
  '0008-sessions-audit-identity': sessionsAudit,
  '0010-signing-keys': signingKeys,
  '0011-client-wire': clientWire,
  '0012-federation': federation,
  '0013-password-digest': passwordDigest,
  '0014-directory-missing': directoryMissing,
  '0015-numeric-id-sequence': numericIdSequence,
  '0016-session-proof': sessionProof,
  '0017-issuer-and-reservations': issuerAndReservations,
  '0018-admin-lists': adminLists,
  '0019-files-key-order': filesKeyOrder,
  '0020-housekeeping-indexes': housekeepingIndexes,
  '0021-anonymous-users': anonymousUsers,
  '0022-imported-security-keys': importedSecurityKeys,
  '0023-passkeys': passkeys,
  '0024-oidc-provider': oidcProvider,
  '0025-imported-passkeys': importedPasskeys,
  '0027-admin-filters-search': adminFiltersSearch,
  '0028-oidc-grant-sid': oidcGrantSid,
  '0029-operators': operators,
  '0030-imported-signing-keys': importedSigningKeys,
  '0031-admin-search-text': adminSearchText,
  '0032-admin-short-search': adminShortSearch,
};

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly dialect: Db['dialect'],
    private readonly upTo?: string,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const wanted = Object.entries(MIGRATIONS).filter(([name]) => this.upTo === undefined || name <= this.upTo);
    return Object.fromEntries(wanted.map(([name, m]) => [name, { up: (db) => m.up(db, this.dialect) }]));
  }
}

/**
 * Applies pending migrations (with `upTo`, only those named up to it: a data migration's test starts from the
 * schema before it); returns the names applied. Safe to run from several instances at once.
 */
export async function migrateToLatest(db: Db, upTo?: string): Promise<string[]> {
  // Unordered: migrations developed side by side may land in any order; each is applied once.
  const migrator = new Migrator({
    db: db.kysely,
    provider: new StaticProvider(db.dialect, upTo),
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
