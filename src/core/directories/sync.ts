import type { CoreLog } from '../log.js';
import type { Queries } from '../../db/queries/index.js';
import type { IdentityRow } from '../../db/queries/user-identities.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { findEntries, withConnection } from './ldap.js';
import { providerOf } from './password-realm.js';
import type { DirectoryStore } from './store.js';

export interface SyncReport {
  /** Directory users looked up. */
  checked: number;
  /** Users whose sessions were ended at this run: newly gone from the directory, or no longer matching user_filter. */
  ended: string[];
  /** Realms whose directory could not be reached: their users keep their sessions until the next run. */
  unreachable: string[];
}

/**
 * The periodic check: each linked directory user is looked up again (as the service account)
 * by the login name last seen. When no entry with the same stable id matches, the link is marked
 * missing and, only then, the user's sessions end and the event is audited: a later run does not
 * do it again. An entry found again (by a check or a login) clears the mark.
 */
export function createDirectorySync(deps: {
  queries: Queries;
  store: DirectoryStore;
  audit: Audit;
  clock: Clock;
  endSessions: (userId: string) => Promise<void>;
  log: CoreLog;
}) {
  const { queries, store, audit } = deps;
  return async function sync(): Promise<SyncReport> {
    const report: SyncReport = { checked: 0, ended: [], unreachable: [] };
    for (const d of await store.list()) {
      const identities = await queries.userIdentities.ofProvider(providerOf(d.realm));
      if (!identities.length) continue;
      let found: { identity: IdentityRow; present: boolean }[];
      try {
        found = await withConnection(d, async (client) => {
          const checked = [];
          for (const identity of identities) {
            const entries = identity.login ? await findEntries(client, d, identity.login) : [];
            checked.push({ identity, present: entries.some((e) => e.externalId === identity.subject) });
          }
          return checked;
        });
      } catch (err) {
        deps.log.warn({ err, realm: d.realm }, 'directory check skipped: the directory cannot be reached');
        report.unreachable.push(d.realm);
        continue;
      }
      report.checked += identities.length;
      for (const { identity, present } of found) {
        if (present) {
          if (identity.missingSince) await queries.userIdentities.clearMissing(identity.provider, identity.subject);
        } else if (await queries.userIdentities.markMissing(identity.provider, identity.subject, deps.clock.now())) {
          await deps.endSessions(identity.userId);
          await audit.record({
            actor: null,
            action: 'directory.sync.revoke',
            subject: identity.userId,
            outcome: 'success',
            detail: { realm: d.realm },
          });
          report.ended.push(identity.userId);
        }
      }
    }
    return report;
  };
}
