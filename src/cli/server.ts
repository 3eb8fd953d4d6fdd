import { Option } from 'commander';
import { describeSweep } from '../storage/sweep.js';
import type { RegisterCommand } from './commands.js';

/** `gatehouse serve`: the server, which loads everything (this module loads nothing until it runs). */
export const serveCommand: RegisterCommand = (program, cli) => {
  program
    .command('serve')
    .description('Start the HTTP server (migrates first)')
    .action(async () => (await import('../serve.js')).serve(cli.config()));
};

/** `gatehouse migrate`. */
export const migrateCommand: RegisterCommand = (program, cli) => {
  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
        import('../db/client.js'),
        import('../db/migrate.js'),
      ]);
      // A migration may rewrite a large table: it gets an hour, not the per-request statement bound.
      const db = openDatabase({ ...cli.config().database, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrateToLatest(db);
        cli.out(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await db.close();
      }
    });
};

/** `gatehouse storage gc`. */
export const storageCommand: RegisterCommand = (program, cli) => {
  program
    .command('storage')
    .description('Stored files')
    .command('gc')
    .description(
      'Remove partial uploads and objects no file points to (older than STORAGE_UPLOAD_TIMEOUT + ' +
        'STORAGE_ORPHAN_GRACE), and list files whose object is gone',
    )
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action((opts: { format: string }) =>
      cli.withServices(async (s) => {
        const report = await s.storage.sweep();
        if (opts.format === 'json') cli.out(JSON.stringify(report));
        else {
          cli.out(describeSweep(report));
          for (const key of report.missing) cli.out(`missing object: ${key}`);
        }
      }),
    );
};
