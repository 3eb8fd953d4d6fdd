/** At most this many examples of each problem are kept in a summary (the counts are exact). */
const EXAMPLES = 100;

/** What an import did (or, with --dry-run, would do). */
export interface ImportSummary {
  source: string;
  dryRun: boolean;
  onConflict: string;
  counts: {
    read: number;
    created: number;
    updated: number;
    unchanged: number;
    skipped: number;
    conflicts: number;
    unverifiable: number;
    skippedRows: number;
    sessions: number;
    /** Signing keys of the old system brought over (verify-only). */
    keys: number;
    tokens: number;
  };
  conflicts: { id: string; email: string; reason: string; holder: string | null }[];
  /** Users imported with a hash Gatehouse cannot check: they sign in after a password reset. */
  unverifiable: { id: string; email: string; scheme: string }[];
  warnings: string[];
  seconds?: number;
}

export const emptySummary = (dryRun: boolean, onConflict: string): ImportSummary => ({
  source: '',
  dryRun,
  onConflict,
  counts: {
    read: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    conflicts: 0,
    unverifiable: 0,
    skippedRows: 0,
    sessions: 0,
    keys: 0,
    tokens: 0,
  },
  conflicts: [],
  unverifiable: [],
  warnings: [],
});

/** Keeps an example, up to EXAMPLES of a kind. */
export function note<T>(list: T[], item: T): void {
  if (list.length < EXAMPLES) list.push(item);
}

/** The summary for a terminal. */
export function describeSummary(s: ImportSummary): string {
  const c = s.counts;
  const lines = [
    `${s.dryRun ? 'Dry run (nothing written): ' : ''}${s.source}: read ${c.read}, created ${c.created}, ` +
      `updated ${c.updated}, unchanged ${c.unchanged}, skipped ${c.skipped}, conflicts ${c.conflicts}`,
    `sessions ${c.sessions}, tokens ${c.tokens}, signing keys ${c.keys}, unverifiable hashes ${c.unverifiable}, ` +
      `rows not mapped ${c.skippedRows}`,
    ...s.conflicts.map((x) => `conflict: ${x.email} (${x.id}): ${x.reason}`),
    ...s.unverifiable.map((x) => `unverifiable hash (${x.scheme}): ${x.email} (${x.id}) must reset the password`),
    ...s.warnings.map((w) => `warning: ${w}`),
  ];
  if (s.seconds !== undefined)
    lines.push(`${s.seconds.toFixed(1)} s, ${Math.round(c.read / (s.seconds || 1))} users/s`);
  return lines.join('\n');
}
