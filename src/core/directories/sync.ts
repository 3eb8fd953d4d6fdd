import type { Logger } from 'pino';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import { findEntries, withConnection } from './ldap.js';
import { providerOf } from './service.js';
import type { DirectoryStore } from './store.js';

export interface SyncReport {
  /** Directory users looked up. */
  checked: number;
  /** Users whose sessions were ended: gone from the directory, or no longer matching user_filter. */
  ended: string[];
  /** Realms whose directory could not be reached: their users keep their sessions until the next run. */
  unreachable: string[];
}

/**
 * The periodic check: each linked directory user is looked up again (as the service account)
 * by the login name last seen; when no entry with the same stable id matches, their sessions end.
 */
export function createDirectorySync(deps: { queries: Queries; store: DirectoryStore; audit: Audit; endSessions: (userId: string) => Promise<void>; log: Logger }) {
  const { queries, store, audit } = deps;
  return async function sync(): Promise<SyncReport> {
    const report: SyncReport = { checked: 0, ended: [], unreachable: [] };
    for (const d of await store.list()) {
      const identities = await queries.userIdentities.ofProvider(providerOf(d.realm));
      if (!identities.length) continue;
      let gone: string[];
      try {
        gone = await withConnection(d, async (client) => {
          const missing: string[] = [];
          for (const identity of identities) {
            const entries = identity.login ? await findEntries(client, d, identity.login) : [];
            if (!entries.some((e) => e.externalId === identity.subject)) missing.push(identity.userId);
          }
          return missing;
        });
      } catch (err) {
        deps.log.warn({ err, realm: d.realm }, 'directory check skipped: the directory cannot be reached');
        report.unreachable.push(d.realm);
        continue;
      }
      report.checked += identities.length;
      for (const userId of gone) {
        await deps.endSessions(userId);
        await audit.record({ actor: null, action: 'directory.sync.revoke', subject: userId, outcome: 'success', detail: { realm: d.realm } });
        report.ended.push(userId);
      }
    }
    return report;
  };
}
