import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './client.js';

type Up = (db: Parameters<Migration['up']>[0], dialect: Db['dialect']) => Promise<void>;

/**
 * Forward-only: every migration has an `up` and nothing else. Order is the key order. Each module is loaded
 * when its migration runs: on an up-to-date database (every CLI call, most starts), none is.
 */
const MIGRATIONS: Record<string, () => Promise<{ up: Up }>> = {
  '0001-core': () => import('./migrations/0001-core.js'),
  '0002-lifecycle': () => import('./migrations/0002-lifecycle.js'),
  '0003-files': () => import('./migrations/0003-files.js'),
  '0004-api-tokens': () => import('./migrations/0004-api-tokens.js'),
  '0005-realms': () => import('./migrations/0005-realms.js'),
  '0006-auth-methods': () => import('./migrations/0006-auth-methods.js'),
  '0007-method-modes': () => import('./migrations/0007-method-modes.js'),
  '0008-sessions-audit-identity': () => import('./migrations/0008-sessions-audit-identity.js'),
  '0010-signing-keys': () => import('./migrations/0010-signing-keys.js'),
  '0011-client-wire': () => import('./migrations/0011-client-wire.js'),
  '0012-federation': () => import('./migrations/0012-federation.js'),
  '0013-password-digest': () => import('./migrations/0013-password-digest.js'),
  '0014-directory-missing': () => import('./migrations/0014-directory-missing.js'),
  '0015-numeric-id-sequence': () => import('./migrations/0015-numeric-id-sequence.js'),
  '0016-session-proof': () => import('./migrations/0016-session-proof.js'),
  '0017-issuer-and-reservations': () => import('./migrations/0017-issuer-and-reservations.js'),
  '0018-admin-lists': () => import('./migrations/0018-admin-lists.js'),
  '0019-files-key-order': () => import('./migrations/0019-files-key-order.js'),
  '0020-housekeeping-indexes': () => import('./migrations/0020-housekeeping-indexes.js'),
  '0021-anonymous-users': () => import('./migrations/0021-anonymous-users.js'),
  '0022-imported-security-keys': () => import('./migrations/0022-imported-security-keys.js'),
  '0023-passkeys': () => import('./migrations/0023-passkeys.js'),
  '0024-oidc-provider': () => import('./migrations/0024-oidc-provider.js'),
  '0025-imported-passkeys': () => import('./migrations/0025-imported-passkeys.js'),
  '0027-admin-filters-search': () => import('./migrations/0027-admin-filters-search.js'),
  '0028-oidc-grant-sid': () => import('./migrations/0028-oidc-grant-sid.js'),
  '0029-operators': () => import('./migrations/0029-operators.js'),
  '0030-imported-signing-keys': () => import('./migrations/0030-imported-signing-keys.js'),
  '0031-admin-search-text': () => import('./migrations/0031-admin-search-text.js'),
  '0032-admin-short-search': () => import('./migrations/0032-admin-short-search.js'),
  '0033-oidc-sign-on-link': () => import('./migrations/0033-oidc-sign-on-link.js'),
  '0034-admin-search-covering': () => import('./migrations/0034-admin-search-covering.js'),
};

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly dialect: Db['dialect'],
    private readonly upTo?: string,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const wanted = Object.entries(MIGRATIONS).filter(([name]) => this.upTo === undefined || name <= this.upTo);
    return Object.fromEntries(
      wanted.map(([name, load]) => [name, { up: async (db) => (await load()).up(db, this.dialect) }]),
    );
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
