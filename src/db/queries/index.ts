import type { Kysely } from 'kysely';
import type { Db } from '../client.js';
import type { DialectName } from '../dialect.js';
import { createSqliteSync, type SqliteSync } from '../sqlite-sync.js';
import type { Database } from '../types.js';
import { createLoginFailureQueries } from './login-failures.js';
import { createRefreshTokenQueries } from './refresh-tokens.js';
import { createTicketQueries } from './tickets.js';
import { createMfaQueries } from './mfa.js';
import { createFileQueries } from './files.js';
import { createApiTokenQueries } from './api-tokens.js';
import { createUserRoleQueries } from './user-roles.js';
import { createUserQueries } from './users.js';
import { createUserListQueries } from './user-list.js';
import { createUserActivityQueries } from './user-activity.js';
import { createAuditLogQueries } from './audit-log.js';
import { createSessionQueries } from './sessions.js';
import { createDirectoryQueries } from './directories.js';
import { createUserIdentityQueries } from './user-identities.js';
import { createSigningKeyQueries } from './signing-keys.js';
import { createImportedSigningKeyQueries } from './imported-signing-keys.js';
import { createStorageReservationQueries } from './storage-reservations.js';
import { createImportQueries } from './imports.js';
import { createExportQueries } from './exports.js';
import { createWebauthnCredentialQueries } from './webauthn-credentials.js';
import { createWebauthnChallengeQueries } from './webauthn-challenges.js';
import { createAppPasswordQueries } from './app-passwords.js';
import { createOidcClientQueries } from './oidc-clients.js';
import { createOidcStoreQueries } from './oidc-store.js';
import { createSetupLinkQueries } from './setup-links.js';

function bind(db: Kysely<Database>, dialect: DialectName, sync: SqliteSync | undefined) {
  return {
    users: createUserQueries(db, dialect),
    userList: createUserListQueries(db, dialect),
    userActivity: createUserActivityQueries(db, dialect),
    userRoles: createUserRoleQueries(db),
    refreshTokens: createRefreshTokenQueries(db, dialect, sync),
    loginFailures: createLoginFailureQueries(db, dialect),
    tickets: createTicketQueries(db, dialect),
    mfa: createMfaQueries(db),
    files: createFileQueries(db, dialect),
    apiTokens: createApiTokenQueries(db, dialect),
    auditLog: createAuditLogQueries(db, dialect),
    sessions: createSessionQueries(db, dialect, sync),
    directories: createDirectoryQueries(db),
    userIdentities: createUserIdentityQueries(db, dialect),
    signingKeys: createSigningKeyQueries(db),
    importedSigningKeys: createImportedSigningKeyQueries(db),
    storageReservations: createStorageReservationQueries(db, dialect),
    imports: createImportQueries(db, dialect),
    exports: createExportQueries(db),
    passkeys: createWebauthnCredentialQueries(db),
    webauthnChallenges: createWebauthnChallengeQueries(db, dialect),
    appPasswords: createAppPasswordQueries(db),
    oidcClients: createOidcClientQueries(db),
    oidcStore: createOidcStoreQueries(db, dialect),
    setupLinks: createSetupLinkQueries(db),
  };
}

export type TableQueries = ReturnType<typeof bind>;

export interface Queries extends TableQueries {
  /** Runs `fn` in one transaction with queries bound to it. */
  transaction<T>(fn: (q: TableQueries) => Promise<T>): Promise<T>;
}

export function createQueries({ kysely, dialect, sqlite }: Pick<Db, 'kysely' | 'dialect' | 'sqlite'>): Queries {
  if (dialect === 'sqlite' && !sqlite) throw new Error('SQLite queries need the driver handle');
  const sync = (exclusive: boolean) => sqlite && createSqliteSync(sqlite, kysely, exclusive);
  const inTransaction = sync(false);
  return {
    ...bind(kysely, dialect, sync(true)),
    transaction: (fn) => kysely.transaction().execute((trx) => fn(bind(trx, dialect, inTransaction))),
  };
}
