import type { Config } from '../config/load.js';
import type { Queries } from '../db/queries/index.js';
import type { StorageBackend } from './backends/backend.js';

const PAGE = 1000;

export interface SweepReport {
  /** Partial uploads removed (temporary files, or S3 multipart uploads); null when the backend cannot list them. */
  partialUploads: number | null;
  /** Objects no file pointed to, removed. */
  orphansRemoved: number;
  /** Files whose object is gone (reported, not changed: only a backup can bring them back). */
  missing: string[];
  objects: number;
  files: number;
}

/**
 * Puts storage back in order after crashes: an upload killed before its metadata commit leaves
 * an object nobody points to, one killed after the commit leaves the previous version, one
 * killed mid-body leaves a partial upload.
 *
 * Safe with several instances on one backend: only objects and partial uploads older than
 * STORAGE_UPLOAD_TIMEOUT + STORAGE_ORPHAN_GRACE are touched. An upload may not take longer
 * than the former (its object dates from its start at the earliest), and its metadata commit,
 * bounded by the database timeouts, comes well within the latter; so an object that old with
 * no row can no longer be published by anyone. Deleting twice is harmless.
 */
export async function sweepStorage(deps: {
  queries: Queries;
  backend: StorageBackend;
  config: Config['storage'];
  now: Date;
}): Promise<SweepReport> {
  const { queries, backend, config, now } = deps;
  const cutoff = new Date(now.getTime() - (config.uploadTimeoutSeconds + config.orphanGraceSeconds) * 1000);
  const partialUploads = await backend.removePartialUploads(cutoff);

  // Rows first: an object listed afterwards that is old and has no row here was never published
  // (a row committed after this read points to a young object, which is left alone).
  const rows = new Map<string, { key: string; updatedAt: Date }>();
  for (let after: string | null = null; ; ) {
    const page = await queries.files.objectKeysAfter(after, PAGE);
    for (const r of page) rows.set(r.objectKey, { key: r.key, updatedAt: r.updatedAt });
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.key;
  }

  let objects = 0;
  let orphansRemoved = 0;
  const seen = new Set<string>();
  for await (const page of backend.listObjects('objects')) {
    objects += page.length;
    for (const o of page) {
      if (rows.has(o.key)) seen.add(o.key);
      else if (o.modified < cutoff) {
        await backend.delete(o.key);
        orphansRemoved++;
      }
    }
  }

  // A row changed during the listing may point to an object deleted or written meanwhile:
  // the row and the object are checked once more before anything is reported.
  const missing: string[] = [];
  for (const [objectKey, row] of rows) {
    if (seen.has(objectKey) || row.updatedAt >= now) continue;
    const current = await queries.files.get(row.key);
    if (current?.objectKey === objectKey && !(await backend.exists(objectKey))) missing.push(row.key);
  }
  return {
    partialUploads,
    orphansRemoved,
    missing: missing.sort(),
    objects: objects - orphansRemoved,
    files: rows.size,
  };
}

/** One line an operator can read; the keys of files that lost their object go in a warning of their own. */
export function describeSweep(r: SweepReport): string {
  const partial =
    r.partialUploads === null
      ? 'partial uploads left to the bucket lifecycle rule'
      : `${r.partialUploads} partial upload(s) removed`;
  return (
    `storage sweep: ${partial}, ${r.orphansRemoved} orphaned object(s) removed; ` +
    `${r.files} file(s), ${r.objects} object(s), ${r.missing.length} file(s) missing their object`
  );
}
