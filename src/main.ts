import { Command, CommanderError, Option } from 'commander';
import { VERSION } from './version.js';
import { createCliContext, processIo, type CliIo } from './cli/context.js';
import { registerDirectoryCommands } from './cli/directories.js';
import { importCommands } from './cli/import.js';
import { oidcCommand } from './cli/oidc.js';
import { usersCommand } from './cli/users.js';
import { methodsCommand } from './cli/methods.js';
import { auditCommand, keysCommand, realmsCommand, tokensCommand } from './cli/others.js';
import { ConfigError } from './config/load.js';

/**
 * The `gatehouse` program reading and writing through `io`. Commander's own exits (--help, --version, a usage
 * error) throw instead of ending the process, so that run() alone decides the exit code; set here, before the
 * commands are added, because each command copies these settings from its parent.
 */
export function buildCli(io: CliIo = processIo()): Command {
  const program = new Command('gatehouse');
  const cli = createCliContext(io, () => program.opts<{ init?: boolean }>());
  const { withServices, out } = cli;
  program
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .version(VERSION)
    .description('Gatehouse authentication server')
    .option('--init', 'create a new database where a relative DATA_DIR points away from the install folder');

  program
    .command('serve')
    .description('Start the HTTP server (migrates first)')
    .action(async () => (await import('./serve.js')).serve(cli.config()));

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
        import('./db/client.js'),
        import('./db/migrate.js'),
      ]);
      // A migration may rewrite a large table: it gets an hour, not the per-request statement bound.
      const db = openDatabase({ ...cli.config().database, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrateToLatest(db);
        out(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await db.close();
      }
    });

  usersCommand(program, cli);
  tokensCommand(program, cli);
  realmsCommand(program, cli);
  auditCommand(program, cli);
  keysCommand(program, cli);

  methodsCommand(program, cli);

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
      withServices(async (s) => {
        const report = await s.storage.sweep();
        const { describeSweep } = await import('./serve.js');
        if (opts.format === 'json') out(JSON.stringify(report));
        else {
          out(describeSweep(report));
          for (const key of report.missing) out(`missing object: ${key}`);
        }
      }),
    );

  registerDirectoryCommands(program, cli);
  importCommands(program, cli);
  oidcCommand(program, cli);
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv) and returns its exit code. A configuration error prints
 * every bad variable; any other error prints its message; both give 1.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv);
    return 0;
  } catch (err) {
    // Commander has already written its help, version or usage message.
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `gatehouse: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Entry point of bin/gatehouse.js. */
export async function main(argv: string[]): Promise<void> {
  const code = await run(argv);
  if (code !== 0) process.exit(code);
}
