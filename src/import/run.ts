import { createSecretBox } from '../core/mfa/secret-box.js';
import { actorName, CLI } from '../core/sessions/actor.js';
import type { Env } from '../config/load.js';
import type { Services } from '../services.js';
import { SOURCES, type SourceContext } from './sources/index.js';
import type { ImportSummary } from './summary.js';
import { createImportWriter, type OnConflict } from './writer.js';

export interface ImportOptions {
  source: string;
  from: string;
  onConflict: OnConflict;
  dryRun: boolean;
  batchSize: number;
  env: Env;
  stdin: NodeJS.ReadableStream;
  /** Bring the old system's signing key (`--signing-keys`), its tokens living at most `tokenLifetime` seconds. */
  signingKeys?: boolean;
  tokenLifetime?: number;
  progress?: (s: ImportSummary) => void;
}

/** Runs one import to its end and audits it (`user.import`, with its counts), also when it fails. */
export async function runImport(s: Services, o: ImportOptions): Promise<ImportSummary> {
  const load = SOURCES[o.source];
  if (!load) throw new Error(`Unknown source ${o.source}: one of ${Object.keys(SOURCES).join(', ')}`);
  const source = await load();
  const box = createSecretBox(s.secret('mfa-secret'));
  const started = process.hrtime.bigint();
  const writer = createImportWriter({
    queries: s.queries,
    seal: box.seal,
    now: () => s.clock.now(),
    onConflict: o.onConflict,
    dryRun: o.dryRun,
    batchSize: o.batchSize,
    progress: o.progress,
    addKey: async (k, verifyUntil) => {
      await s.importedKeys.add({ door: k.door, algorithm: k.algorithm, material: k.material, verifyUntil });
    },
  });
  writer.summary.source = o.source;
  const ctx: SourceContext = {
    env: o.env,
    stdin: o.stdin,
    defaultRole: s.config.users.defaultRole,
    signingKeys: o.signingKeys,
    tokenLifetime: o.tokenLifetime,
  };
  const audit = (outcome: 'success' | 'failure', error?: string) =>
    o.dryRun
      ? Promise.resolve()
      : s.audit.record({
          actor: actorName(CLI),
          action: 'user.import',
          subject: null,
          outcome,
          ip: null,
          userAgent: null,
          detail: { source: o.source, onConflict: o.onConflict, ...writer.summary.counts, ...(error && { error }) },
        });
  await s.queries.imports.bulkWrites(true);
  try {
    await writer.run(source(o.from, ctx));
  } catch (err) {
    await audit('failure', (err as Error).message);
    throw err;
  } finally {
    await s.queries.imports.bulkWrites(false);
  }
  writer.summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await audit('success');
  return writer.summary;
}
