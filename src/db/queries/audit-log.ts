import type { Kysely } from 'kysely';
import { toDate, toJson, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

export interface AuditRow {
  id: number;
  at: Date;
  actor: string | null;
  action: string;
  subject: string | null;
  door: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown> | null;
}

export type NewAuditRow = Omit<AuditRow, 'id'>;

export interface AuditFilter {
  actor?: string;
  action?: string;
  door?: string;
  outcome?: string;
  subject?: string;
  since?: Date;
  until?: Date;
  /** Entries with an id below this one (the cursor of the previous page). */
  before?: number;
  limit: number;
}

type AuditValues = Omit<NewAuditRow, 'detail'> & { detail: string | null };

export function createAuditLogQueries(db: Kysely<Database>, dialect: DialectName) {
  // Every login writes one: prepared once (a named statement on PostgreSQL).
  const insert = prepare<AuditValues, never>(dialect, (p) =>
    db.insertInto('audit_log').values({
      at: p.at,
      actor: p.actor,
      action: p.action,
      subject: p.subject,
      door: p.door,
      outcome: p.outcome,
      ip: p.ip,
      user_agent: p.userAgent,
      detail: p.detail,
    }),
  );
  return {
    async insert(e: NewAuditRow): Promise<void> {
      await insert(db, { ...e, detail: e.detail ? JSON.stringify(e.detail) : null });
    },

    /** How many `action` events about `subject` since a time, by outcome (the audit_log_subject index). */
    async countByOutcome(subject: string, action: string, since: Date): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom('audit_log')
        .select(['outcome', db.fn.countAll<number | string>().as('n')])
        .where('subject', '=', subject)
        .where('at', '>=', since)
        .where('action', '=', action)
        .groupBy('outcome')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
    },

    /** Newest first. */
    async list(f: AuditFilter): Promise<AuditRow[]> {
      let q = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(f.limit);
      if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
      if (f.action !== undefined) q = q.where('action', '=', f.action);
      if (f.door !== undefined) q = q.where('door', '=', f.door);
      if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
      if (f.subject !== undefined) q = q.where('subject', '=', f.subject);
      if (f.since) q = q.where('at', '>=', f.since);
      if (f.until) q = q.where('at', '<', f.until);
      if (f.before !== undefined) q = q.where('id', '<', f.before);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: toDate(r.at),
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        door: r.door,
        outcome: r.outcome,
        ip: r.ip,
        userAgent: r.user_agent,
        detail: r.detail === null ? null : toJson(r.detail),
      }));
    },

    /** Retention: entries older than AUDIT_RETENTION_DAYS, in batches. */
    expired: expiredRows(db, dialect, 'audit_log', 'id', 'at'),
  };
}

export type AuditLogQueries = ReturnType<typeof createAuditLogQueries>;
