import { Type, type Static } from '@sinclair/typebox';
import type { AuditRow } from '../../db/queries/audit-log.js';
import type { Services } from '../../services.js';
import { responses } from '../schemas.js';
import { Person, withPeople } from './audit-people.js';
import type { App } from '../types.js';

const Text = (max: number) => Type.Optional(Type.String({ minLength: 1, maxLength: max }));
const Instant = Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601 date and time' }));

export const AuditQuery = Type.Object({
  actor: Text(64),
  action: Text(64),
  subject: Text(128),
  door: Text(32),
  outcome: Type.Optional(
    Type.Union(['success', 'failure', 'mfa_required', 'rate_limited'].map((o) => Type.Literal(o))),
  ),
  since: Instant,
  until: Instant,
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'next_cursor of the previous page' })),
});
export type AuditQuery = Static<typeof AuditQuery>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Nullable(Type.String()),
  action: Type.String(),
  subject: Nullable(Type.String()),
  door: Nullable(Type.String()),
  outcome: Type.String(),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  actor_user: Type.Optional(Person),
  subject_user: Type.Optional(Person),
});
const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/** One entry as the admin API and `gatehouse audit --format json` show it. */
export const auditEntry = (e: AuditRow) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: e.actor,
  action: e.action,
  subject: e.subject,
  door: e.door,
  outcome: e.outcome,
  ip: e.ip,
  user_agent: e.userAgent,
  detail: e.detail,
});

/** One page, newest first; `next_cursor` is null on the last page. */
export async function auditPage(s: Services, q: AuditQuery) {
  const limit = Math.min(Math.max(Number(q.limit ?? 100), 1), 1000);
  const rows = await s.audit.list({
    actor: q.actor,
    action: q.action,
    subject: q.subject,
    door: q.door,
    outcome: q.outcome,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    before: q.cursor === undefined ? undefined : Number(q.cursor),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { entries: page.map(auditEntry), next_cursor: rows.length > limit ? String(page[page.length - 1]!.id) : null };
}

/** GET /admin/audit: reading the audit log, filtered and paged by cursor. */
export function registerAuditRoutes(app: App, s: Services): void {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first, filtered and paged by cursor',
        querystring: AuditQuery,
        response: responses({ 200: AuditPage }, 400, 401, 403),
      },
    },
    async (request) => withPeople(s, await auditPage(s, request.query)),
  );
}
