import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/client.js';

/**
 * One Prometheus registry per application (never prom-client's global one), so several
 * apps in one process (the tests, the scale-out suite) each count their own.
 */
export function createMetrics(db: Pick<Db, 'poolStats'>) {
  const registry = new Registry();
  let queueLength = () => 0;
  const httpDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const m = {
    registry,
    httpDuration,
    // The histogram's count per label set, copied at each scrape: a second count per request would cost as much again.
    httpRequests: new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const v of (await httpDuration.get()).values) {
          if (v.metricName === 'gatehouse_http_request_duration_seconds_count')
            this.inc(v.labels as Record<'method' | 'route' | 'status', string>, v.value);
        }
      },
    }),
    logins: new Counter({
      name: 'gatehouse_logins_total',
      help: 'Sign-in attempts by door and outcome',
      labelNames: ['door', 'outcome'] as const,
      registers: [registry],
    }),
    refreshRotations: new Counter({
      name: 'gatehouse_refresh_rotations_total',
      help: 'Refresh tokens rotated',
      registers: [registry],
    }),
    refreshReuse: new Counter({
      name: 'gatehouse_refresh_reuse_detections_total',
      help: 'Reuse of a rotated refresh token detected (the session is ended)',
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'gatehouse_audit_events_total',
      help: 'Audit log entries written, by action and outcome',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    passwordHash: new Histogram({
      name: 'gatehouse_password_hash_seconds',
      help: 'Time spent hashing or verifying passwords (argon2id, bcrypt)',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [registry],
    }),
    rateLimitRefusals: new Counter({
      name: 'gatehouse_rate_limit_refusals_total',
      help: 'Requests refused by a rate limit (429), by route template',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    imageTransforms: new Counter({
      name: 'gatehouse_image_transforms_total',
      help: 'Image transforms made (cache misses), by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    imageTransformDuration: new Histogram({
      name: 'gatehouse_image_transform_seconds',
      help: 'Time to fetch, transform and store an image variant',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    /** Image transforms waiting for a slot, read at each scrape from the source `observeImageQueue` names. */
    imageQueue: new Gauge({
      name: 'gatehouse_image_transform_queue_length',
      help: 'Image transforms waiting for a free slot',
      registers: [registry],
      collect() {
        this.set(queueLength());
      },
    }),
    housekeepingRuns: new Counter({
      name: 'gatehouse_housekeeping_runs_total',
      help: 'Housekeeping runs finished (every table tried, failed or not)',
      registers: [registry],
    }),
    housekeepingDeleted: new Counter({
      name: 'gatehouse_housekeeping_deleted_rows_total',
      help: 'Expired rows deleted by housekeeping, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    housekeepingBatches: new Counter({
      name: 'gatehouse_housekeeping_batches_total',
      help: 'Batch DELETE statements run by housekeeping, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    housekeepingFailures: new Counter({
      name: 'gatehouse_housekeeping_failures_total',
      help: "Housekeeping runs in which a table's deletes failed (the other tables still ran), by table",
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    housekeepingBacklog: new Gauge({
      name: 'gatehouse_housekeeping_backlog_seconds',
      help: 'After the last run: how long the oldest row still due for deletion has been due (0: caught up), by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    housekeepingDuration: new Gauge({
      name: 'gatehouse_housekeeping_duration_seconds',
      help: "The last run's time spent on each table",
      labelNames: ['table'] as const,
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'gatehouse_db_pool_connections',
    help: 'Database connections by state (PostgreSQL pool; SQLite has one connection)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const p = db.poolStats();
      this.set({ state: 'total' }, p.total);
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });
  return {
    ...m,
    /** Names where the image transform queue's length is read. */
    observeImageQueue: (length: () => number) => {
      queueLength = length;
    },
    /** Process metrics (CPU, memory, event loop, GC): only for a serving app, not for CLI runs. */
    collectProcessMetrics: () => collectDefaultMetrics({ register: registry }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
