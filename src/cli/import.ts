import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { integer, integerIn, type CliContext } from './context.js';

const SOURCE_NAMES = [
  'jsonl',
  'hbp',
  'hasura-auth',
  'rocketchat',
  'humhub',
  'supabase',
  'keycloak',
  'privacyidea',
  'datarhei',
];

/** `gatehouse import <source> --from …`. */
export function importCommand(program: Command, cli: CliContext): void {
  const { withServices, out, io } = cli;
  program
    .command('import <source>')
    .description(`Import users, hashes, second factors and live sessions (${SOURCE_NAMES.join(', ')})`)
    .requiredOption(
      '--from <from>',
      'a connection string (hbp, hasura-auth, humhub, supabase, privacyidea) or a file (- for stdin)',
    )
    .addOption(
      new Option('--on-conflict <mode>', 'a user imported before that changed since: update, skip or fail')
        .choices(['skip', 'update', 'fail'])
        .default('update'),
    )
    .option('--dry-run', 'report what would happen, write nothing')
    .option('--batch-size <n>', 'users per transaction (1 to 5000)', integerIn(1, 5000), 4000)
    .option('--signing-keys', "bring the old system's signing key: the tokens it issued work until they expire")
    .option('--token-lifetime <seconds>', 'the longest life of a token the old system issued', integer)
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action(
      (
        source: string,
        opts: {
          from: string;
          onConflict: 'skip' | 'update' | 'fail';
          dryRun?: boolean;
          batchSize: number;
          format: string;
          signingKeys?: boolean;
          tokenLifetime?: number;
        },
      ) =>
        withServices(async (s) => {
          const { runImport } = await import('../import/run.js');
          const { describeSummary } = await import('../import/summary.js');
          const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
          const summary = await runImport(s, {
            source,
            from: opts.from,
            onConflict: opts.onConflict,
            dryRun: opts.dryRun === true,
            batchSize: opts.batchSize,
            env: io.env,
            stdin: io.stdin,
            signingKeys: opts.signingKeys === true,
            tokenLifetime: opts.tokenLifetime,
            progress: tty
              ? (p) =>
                  io.stderr.write(
                    `\r${source}: ${p.counts.read} read, ${p.counts.created} created, ` +
                      `${p.counts.updated} updated, ${p.counts.conflicts} conflicts`,
                  )
              : undefined,
          });
          if (tty) io.stderr.write('\n');
          out(opts.format === 'json' ? JSON.stringify(summary) : describeSummary(summary));
        }),
    );
}

/** `gatehouse export`. */
export function exportCommand(program: Command, cli: CliContext): void {
  const { withServices, io } = cli;
  program
    .command('export')
    .description('Write every user as JSON lines (the format `gatehouse import jsonl` reads)')
    .option('--output <file>', 'a file instead of standard output')
    .option('--include-secrets', 'write TOTP seeds in the clear (else they are left out)')
    .action((opts: { output?: string; includeSecrets?: boolean }) =>
      withServices(async (s) => {
        const { exportLines } = await import('../import/export.js');
        const target = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : io.stdout;
        for await (const line of exportLines(s, opts.includeSecrets === true))
          if (!target.write(`${line}\n`)) await once(target, 'drain');
        if (opts.output) {
          const file = target as ReturnType<typeof createWriteStream>;
          file.end();
          await once(file, 'finish');
        }
      }),
    );
}
