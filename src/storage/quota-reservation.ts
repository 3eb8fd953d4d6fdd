import type { Clock, Random } from '../core/clock.js';
import { errors, type AppError } from '../core/errors.js';
import { isForeignKeyViolation } from '../db/dialect.js';
import type { Queries } from '../db/queries/index.js';

/** The smallest step a reservation grows by (quota allowing): a few round trips per upload, not one per chunk. */
const MIN_STEP = 64 * 1024;
/** A reservation outlives its upload's STORAGE_UPLOAD_TIMEOUT by this much, for the metadata commit. */
const COMMIT_MARGIN_MS = 5 * 60_000;

export interface QuotaReservationOptions {
  ownerId: string;
  quota: number;
  /** The key the upload replaces, if any: its old size is not counted. */
  replacing: string | null;
  /** Most the upload may reach (STORAGE_MAX_FILE_SIZE, the rule's maxSize): no point holding more. */
  limit: number;
  /** The request's Content-Length, when sent: what the first reservation asks for. */
  hint?: number;
  uploadTimeoutMs: number;
  refused: () => AppError;
}

/**
 * Reserve, then commit: an upload holds bytes of its owner's quota in the database before it
 * writes them, so concurrent uploads on any instance never together store more than the quota.
 * The reservation grows ahead of the bytes (to the Content-Length, then in doubling steps), falls
 * back to exactly what arrived when the larger step does not fit, and is released once the file row
 * holds the real size or the upload failed. One left by a crash stops counting at its expiry.
 */
export function reserveQuota(deps: { queries: Queries; clock: Clock; random: Random }, o: QuotaReservationOptions) {
  const id = deps.random.uuid();
  const expiresAt = new Date(deps.clock.now().getTime() + o.uploadTimeoutMs + COMMIT_MARGIN_MS);
  let held = 0;
  // The reservation in flight: a release waits for it, so an abort cannot leave a row behind.
  let pending: Promise<unknown> = Promise.resolve();

  async function grow(size: number): Promise<void> {
    // Ahead of the bytes: the whole declared length at first, then a step that doubles, but never more than a
    // sixteenth of the quota, so uploads in flight near the quota do not refuse each other for bytes never sent.
    const step = Math.min(Math.max(held, MIN_STEP), Math.max(1, Math.floor(o.quota / 16)));
    const declared = held === 0 && o.hint !== undefined && o.hint >= size ? o.hint : undefined;
    const ahead = Math.min(o.limit, declared ?? size + step);
    for (const bytes of ahead > size ? [ahead, size] : [size]) {
      const args = {
        id,
        userId: o.ownerId,
        bytes,
        quota: o.quota,
        replacing: o.replacing,
        now: deps.clock.now(),
        expiresAt,
      };
      const taken = await deps.queries.storageReservations.reserve(args).catch((err: unknown) => {
        // The owner was deleted while their access token is still unexpired.
        throw isForeignKeyViolation(err) ? errors.unauthenticated('The account no longer exists') : err;
      });
      if (taken) {
        held = bytes;
        return;
      }
    }
    throw o.refused();
  }

  return {
    /** Called with the bytes received so far, before they are written; throws the quota error when they do not fit. */
    cover(size: number): Promise<void> {
      if (size <= held) return Promise.resolve();
      const next = grow(size);
      pending = next.catch(() => undefined);
      return next;
    },

    async release(): Promise<void> {
      await pending;
      if (held > 0) await deps.queries.storageReservations.release(id);
    },
  };
}
