import type { AuditEvent } from '../core/audit/service.js';
import type { Housekeeping } from '../core/housekeeping/service.js';
import type { PasswordHasher } from '../core/passwords/hasher.js';
import type { StorageService } from '../storage/service.js';
import type { Metrics } from './registry.js';

type Fn = (...args: never[]) => Promise<unknown>;

/** Replaces `obj[name]` by a wrapper timing each call; the object is ours, built once at start. */
function timed<T extends Record<K, Fn>, K extends keyof T>(
  obj: T,
  name: K,
  done: (seconds: number, result: unknown, failed: boolean) => void,
): void {
  const original = obj[name].bind(obj) as Fn;
  obj[name] = (async (...args: never[]) => {
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const result = await original(...args);
      done(seconds(), result, false);
      return result;
    } catch (err) {
      done(seconds(), undefined, true);
      throw err;
    }
  }) as T[K];
}

/**
 * Derives the counters that core services already announce, so no route and no core rule counts
 * anything itself: logins and refresh rotations come from audit events (subscribed), hash time from
 * the hasher, image transforms from the storage service.
 */
export function observeServices(
  metrics: Metrics,
  s: {
    hasher: PasswordHasher;
    audit: { subscribe(listener: (e: AuditEvent) => void): void };
    storage: StorageService;
    housekeeping: Pick<Housekeeping, 'subscribe'>;
  },
): void {
  s.housekeeping.subscribe((reports) => {
    for (const r of reports) {
      const table = { table: r.table };
      metrics.housekeepingDeleted.inc(table, r.deleted);
      metrics.housekeepingBatches.inc(table, r.batches);
      metrics.housekeepingDuration.set(table, r.seconds);
      if (r.error !== undefined) metrics.housekeepingFailures.inc(table);
      // A failed table keeps the backlog its last good run measured.
      if (r.backlogSeconds !== null) metrics.housekeepingBacklog.set(table, r.backlogSeconds);
    }
    metrics.housekeepingRuns.inc();
  });

  const count = (e: AuditEvent) => {
    metrics.auditEvents.inc({ action: e.action, outcome: e.outcome });
    if (e.action === 'login') metrics.logins.inc({ door: e.door ?? 'unknown', outcome: e.outcome });
    // The second step of an MFA login finishes the sign-in the first step counted as `mfa_required`.
    else if (e.action === 'login.mfa')
      metrics.logins.inc({ door: e.door ?? 'unknown', outcome: e.outcome === 'success' ? 'success' : 'mfa_failure' });
    else if (e.action === 'refresh.rotate' && e.outcome === 'success') metrics.refreshRotations.inc();
    else if (e.action === 'refresh.reuse') metrics.refreshReuse.inc();
  };
  // Every event, stored or only noted (a routine refresh rotation keeps no row but is counted).
  s.audit.subscribe(count);

  for (const operation of ['hash', 'verify', 'verifyDummy'] as const) {
    timed(s.hasher, operation, (seconds) =>
      metrics.passwordHash.observe({ operation: operation === 'verifyDummy' ? 'verify' : operation }, seconds),
    );
  }

  metrics.observeImageQueue(() => s.storage.transformQueueLength());

  // `variant` answers from its caches and calls `transform` (through the object) only to make one.
  timed(s.storage, 'transform', (seconds, _result, failed) => {
    metrics.imageTransforms.inc({ outcome: failed ? 'failure' : 'success' });
    metrics.imageTransformDuration.observe(seconds);
  });
}
