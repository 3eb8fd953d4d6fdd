import { Command, CommanderError } from 'commander';
import { VERSION } from './version.js';
import { createCliContext, processIo, type CliIo } from './cli/context.js';
import { COMMANDS, commandOf } from './cli/commands.js';
import { ConfigError } from './config/load.js';

/**
 * The `gatehouse` program reading and writing through `io`, with the code of the one command `argv` runs (the
 * others are listed by name and summary only, for --help and the suggestions of a mistyped name). Commander's
 * own exits (--help, --version, a usage error) throw instead of ending the process, so that run() alone decides
 * the exit code; set here, before the commands are added, because each command copies these settings from its
 * parent.
 */
export async function buildCli(argv: string[], io: CliIo = processIo()): Promise<Command> {
  const program = new Command('gatehouse');
  const cli = createCliContext(io, () => program.opts<{ init?: boolean }>());
  program
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .version(VERSION)
    .description('Gatehouse authentication server')
    .option('--init', 'create a new database where a relative DATA_DIR points away from the install folder');
  const running = commandOf(argv.slice(2));
  for (const entry of COMMANDS) {
    if (entry === running) (await entry.load())(program, cli);
    else
      program
        .command(entry.name)
        .aliases(entry.aliases ?? [])
        .description(entry.summary);
  }
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv) and returns its exit code. A configuration error prints
 * every bad variable; any other error prints its message; both give 1.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    await (await buildCli(argv, io)).parseAsync(argv);
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
