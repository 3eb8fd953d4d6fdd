import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Adds one top-level command (with its subcommands and hidden old spellings) to the program. */
export type RegisterCommand = (program: Command, cli: CliContext) => void;

interface CommandEntry {
  name: string;
  aliases?: string[];
  /** The line `gatehouse --help` shows without loading the command. */
  summary: string;
  load: () => Promise<RegisterCommand>;
}

/**
 * Every top-level command, and where its code lives. A run loads only the module of the command it runs:
 * each module pulls in what its options check (the API's schemas, the database layer), and loading all of them
 * cost most of a call's time. `gatehouse --help` lists the summaries without loading any.
 */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Start the HTTP server (migrates first)',
    load: async () => (await import('./server.js')).serveCommand,
  },
  {
    name: 'migrate',
    summary: 'Apply pending database migrations',
    load: async () => (await import('./server.js')).migrateCommand,
  },
  {
    name: 'users',
    aliases: ['user'],
    summary: 'Manage users (a user is named by email, username or id)',
    load: async () => (await import('./users.js')).usersCommand,
  },
  {
    name: 'tokens',
    aliases: ['token'],
    summary: 'Personal bearer tokens (HumHub)',
    load: async () => (await import('./tokens.js')).tokensCommand,
  },
  {
    name: 'realms',
    aliases: ['realm'],
    summary: 'Manage realms',
    load: async () => (await import('./others.js')).realmsCommand,
  },
  {
    name: 'audit',
    summary: 'Read the audit log, newest first (same filters as GET /admin/audit)',
    load: async () => (await import('./audit.js')).auditCommand,
  },
  {
    name: 'keys',
    aliases: ['key'],
    summary: 'Signing keys of access tokens',
    load: async () => (await import('./others.js')).keysCommand,
  },
  {
    name: 'methods',
    summary: 'Who may use a HumHub method (jwt, basic)',
    load: async () => (await import('./methods.js')).methodsCommand,
  },
  {
    name: 'storage',
    summary: 'Stored files',
    load: async () => (await import('./server.js')).storageCommand,
  },
  {
    name: 'directories',
    summary: 'LDAP directories behind realms',
    load: async () => (await import('./directories.js')).registerDirectoryCommands,
  },
  {
    name: 'import',
    summary: 'Import users, hashes, second factors and live sessions from another system',
    load: async () => (await import('./import.js')).importCommand,
  },
  {
    name: 'export',
    summary: 'Write every user as JSON lines (the format `gatehouse import jsonl` reads)',
    load: async () => (await import('./import.js')).exportCommand,
  },
  {
    name: 'oidc',
    summary: 'The OpenID Connect provider: its clients (relying parties)',
    load: async () => (await import('./oidc.js')).oidcCommand,
  },
];

/** Old spellings kept working but not listed: the command word, and the command that now answers it. */
const HIDDEN: Record<string, string> = { method: 'methods' };

/**
 * The entry of the command a command line runs: its first word that is not an option (the program's own options
 * take no value), or the word after `help`. Undefined for `--help`, `--version` or an unknown word.
 */
export function commandOf(args: string[]): CommandEntry | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  if (word === undefined) return undefined;
  const name = HIDDEN[word] ?? word;
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
