import { Command, Option } from 'commander';
import type { LimitedMethod, MethodMode } from './core/auth-methods/service.js';
import { VERSION } from './version.js';
import { cliConfig, readStdin, withServices } from './cli/context.js';
import { registerDirectoryCommands } from './cli/directories.js';
import { usersCommand } from './cli/users.js';
import { auditCommand, keysCommand, realmsCommand, tokensCommand } from './cli/others.js';
import { ConfigError } from './config/load.js';

export function buildCli(): Command {
  const program = new Command('gatehouse').version(VERSION).description('Gatehouse authentication server');

  program
    .command('serve')
    .description('Start the HTTP server (migrates first)')
    .action(async () => (await import('./serve.js')).serve(cliConfig()));

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
        import('./db/client.js'),
        import('./db/migrate.js'),
      ]);
      // A migration may rewrite a large table: it gets an hour, not the per-request statement bound.
      const db = openDatabase({ ...cliConfig().database, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await db.close();
      }
    });

  usersCommand(program);
  tokensCommand(program);
  realmsCommand(program);
  auditCommand(program);
  keysCommand(program);

  program
    .command('method <method> <mode>')
    .description('Set who may use a HumHub method (jwt, basic): all, selected or off')
    .action((method: string, mode: string) =>
      withServices(async (s) => {
        if (!['jwt', 'basic'].includes(method) || !['all', 'selected', 'off'].includes(mode))
          throw new Error('Usage: gatehouse method jwt|basic all|selected|off');
        await s.authMethods.setMode(method as LimitedMethod, mode as MethodMode);
        console.log(`${method}: ${mode}`);
      }),
    );

  program
    .command('storage')
    .description('Stored files')
    .command('gc')
    .description(
      'Remove partial uploads and objects no file points to (older than STORAGE_UPLOAD_TIMEOUT + STORAGE_ORPHAN_GRACE), and list files whose object is gone',
    )
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action((opts: { format: string }) =>
      withServices(async (s) => {
        const report = await s.storage.sweep();
        const { describeSweep } = await import('./serve.js');
        if (opts.format === 'json') console.log(JSON.stringify(report));
        else {
          console.log(describeSweep(report));
          for (const key of report.missing) console.log(`missing object: ${key}`);
        }
      }),
    );

  registerDirectoryCommands(program, withServices, readStdin);
  return program;
}

/** Entry point of bin/gatehouse.js. A configuration error prints every bad variable and exits 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`gatehouse: ${(err as Error).message}`);
    process.exit(1);
  }
}
