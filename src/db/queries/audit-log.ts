import type { Kysely } from 'kysely';
import { toDate, toJson } from '../dialect.js';
import type { Database } from '../types.js';

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

export function createAuditLogQueries(db: Kysely<Database>) {
  return {
    async insert(e: NewAuditRow): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({ at: e.at, actor: e.actor, action: e.action, subject: e.subject, door: e.door, outcome: e.outcome, ip: e.ip, user_agent: e.userAgent, detail: e.detail ? JSON.stringify(e.detail) : null })
        .execute();
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

    /** Retention: drops entries older than `before`. */
    async deleteBefore(before: Date): Promise<void> {
      await db.deleteFrom('audit_log').where('at', '<', before).execute();
    },
  };
}

export type AuditLogQueries = ReturnType<typeof createAuditLogQueries>;
