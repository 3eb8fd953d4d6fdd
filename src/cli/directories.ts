import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { DirectoryInput } from '../core/directories/settings-schema.js';
import { settingsOf } from '../core/directories/settings.js';
import type { CliContext } from './context.js';

/** `gatehouse directories …`: the same operations as /admin/directories, for operators at a shell. */
export function registerDirectoryCommands(program: Command, cli: CliContext) {
  const { withServices, readStdin, out } = cli;
  const directories = program.command('directories').description('LDAP directories behind realms');

  directories
    .command('list')
    .description('List directories (bind passwords are never shown)')
    .option('--format <format>', 'table or json', 'table')
    .action((opts: { format: string }) =>
      withServices(async (s) => {
        const list = await s.directories.store.list();
        if (opts.format === 'json')
          return out(
            JSON.stringify(
              list.map((d) => ({
                realm: d.realm,
                source: d.source,
                has_bind_password: d.bindPassword !== null,
                ...settingsOf(d),
              })),
              null,
              2,
            ),
          );
        for (const d of list)
          out(
            `${d.realm}  ${d.url}${d.startTls ? ' (StartTLS)' : ''}  ${d.searchBase}  ${d.source}` +
              (d.isDefault ? '  default' : ''),
          );
      }),
    );

  directories
    .command('set <realm>')
    .description(
      'Create or replace a directory from YAML or JSON settings (url, bind_dn, bind_password, search_base, …) read ' +
        'from --file or standard input',
    )
    .option(
      '--file <path>',
      'settings file (default: standard input, which keeps the bind password out of the process list)',
    )
    .action((realm: string, opts: { file?: string }) =>
      withServices(async (s) => {
        const input: unknown = parse(opts.file ? await readFile(opts.file, 'utf8') : await readStdin());
        const problems = [...Value.Errors(DirectoryInput, input)].map((e) => `${e.path || '/'}: ${e.message}`);
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(realm))
          problems.unshift('A realm name is 1-64 letters, digits, ".", "_" or "-"');
        if (problems.length) throw new Error(`Invalid directory settings:\n  ${problems.join('\n  ')}`);
        const { created } = await s.directories.store.put(realm, input as DirectoryInput);
        out(`Directory for realm ${realm} ${created ? 'created' : 'replaced'}`);
      }),
    );

  directories
    .command('remove <realm>')
    .description('Remove a directory; its users stay as local accounts without a password')
    .action((realm: string) =>
      withServices(async (s) => {
        await s.directories.store.remove(realm);
        out(`Directory for realm ${realm} removed`);
      }),
    );

  directories
    .command('link <realm> <email> <login>')
    .description('Link a local account to the directory entry of <login>, so that the entry signs it in')
    .action((realm: string, email: string, login: string) =>
      withServices(async (s) => {
        const user = await s.users.require(email);
        await s.directories.link(realm, user.id, login);
        out(`${user.email} linked to ${login} in realm ${realm}`);
      }),
    );

  directories
    .command('sync')
    .description('Run the periodic check now: end the sessions of users gone from their directory')
    .action(() =>
      withServices(async (s) => {
        const report = await s.directories.sync();
        out(
          `checked ${report.checked}, sessions ended for ${report.ended.length}` +
            (report.unreachable.length ? `, unreachable: ${report.unreachable.join(', ')}` : ''),
        );
      }),
    );
}
