import type { Queries } from '../../db/queries/index.js';
import type { AuditFilter, AuditRow } from '../../db/queries/audit-log.js';
import type { Clock } from '../clock.js';
import { actorName, type Actor } from '../sessions/actor.js';

/** How an audited action ended. Logins add `mfa_required` and `rate_limited`. */
export type AuditOutcome = 'success' | 'failure' | 'mfa_required' | 'rate_limited';

export interface AuditEvent {
  /** Who acted: a user id, `admin-secret`, `cli`, or null when nobody is known. */
  actor: string | null;
  /** Dotted verb, e.g. `login`, `session.revoke`, `user.disable`, `refresh.reuse`. */
  action: string;
  /** Whom it concerned: a user id, a token id, a realm… */
  subject?: string | null;
  door?: string | null;
  outcome: AuditOutcome;
  ip?: string | null;
  userAgent?: string | null;
  /** Never secrets: reasons, names, counts. */
  detail?: Record<string, unknown> | null;
}

export type AuditSink = (event: AuditEvent) => Promise<void>;

/** The audit log: written by core services only, read by the admin API and the CLI. */
export function createAudit(deps: { queries: Queries; clock: Clock }) {
  const { queries, clock } = deps;
  const listeners: ((e: AuditEvent) => void)[] = [];
  const notify = (e: AuditEvent) => {
    for (const listener of listeners) listener(e);
  };
  async function record(e: AuditEvent): Promise<void> {
    notify(e);
    await queries.auditLog.insert({
      at: clock.now(),
      actor: e.actor,
      action: e.action,
      subject: e.subject ?? null,
      door: e.door ?? null,
      outcome: e.outcome,
      ip: e.ip ?? null,
      userAgent: e.userAgent ?? null,
      detail: e.detail ?? null,
    });
  }

  return {
    /** Observers (metrics) see every event, stored or not. */
    subscribe(listener: (e: AuditEvent) => void): void {
      listeners.push(listener);
    },

    /** An event too frequent to keep a row for (a routine refresh): observers only. */
    note: notify,

    record,

    /** A successful action of `actor` (a user, the admin secret, the CLI, the system) on `subject`. */
    recordBy(actor: Actor, action: string, subject: string | null, detail?: Record<string, unknown>): Promise<void> {
      return record({
        actor: actorName(actor),
        action,
        subject,
        outcome: 'success',
        ip: actor.ip,
        userAgent: actor.userAgent,
        detail,
      });
    },

    list: (filter: AuditFilter): Promise<AuditRow[]> => queries.auditLog.list(filter),
  };
}

export type Audit = ReturnType<typeof createAudit>;
