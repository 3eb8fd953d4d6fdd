import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 24 ("Scale"): an index under every foreign key and every column a hot statement filters
 * on, on both databases.
 * - The time columns housekeeping deletes by, in batches oldest first: refresh tokens, sessions,
 *   tickets and storage reservations by `expires_at`, login failures by `at` (their `(key, at)`
 *   index cannot serve a range over `at` alone). The audit log's `at` already has one.
 * - `api_tokens.session_id`: logout and every session revocation end the session's tokens by it.
 * - `api_tokens.issuer_id` and `auth_method_users.user_id`: foreign keys to users, which a user's
 *   deletion (cascade) looks up.
 * - `audit_log (action, id)`: the audit list filtered by action, newest first.
 * Built in the migration's transaction: writes to each table wait while its index is built (seconds
 * per million rows); see docs on upgrading a large installation.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const indexes: [name: string, table: string, columns: string[]][] = [
    ['refresh_tokens_expires_at', 'refresh_tokens', ['expires_at']],
    ['sessions_expires_at', 'sessions', ['expires_at']],
    ['tickets_expires_at', 'tickets', ['expires_at']],
    ['storage_reservations_expires_at', 'storage_reservations', ['expires_at']],
    ['login_failures_at', 'login_failures', ['at']],
    ['api_tokens_session', 'api_tokens', ['session_id']],
    ['api_tokens_issuer', 'api_tokens', ['issuer_id']],
    ['auth_method_users_user', 'auth_method_users', ['user_id']],
    ['audit_log_action', 'audit_log', ['action', 'id']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
  }
}
