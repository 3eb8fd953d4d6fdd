import { Option, type Command } from 'commander';
import { CLI } from '../core/sessions/actor.js';
import { type CliContext, formatOption } from './context.js';

/** `gatehouse realms …` (alias `realm`). */
export function realmsCommand(program: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;
  const realms = program.command('realms').alias('realm').description('Manage realms');
  realms
    .command('list')
    .description('List realms')
    .addOption(formatOption())
    .action((opts: { format: string }) =>
      withServices(async (s) => {
        const rows = (await s.realms.list()).map((r) => ({ name: r.name, created_at: r.createdAt.toISOString() }));
        if (opts.format === 'json') return printJson(rows);
        for (const r of rows) out(`${r.name}  ${r.created_at}`);
      }),
    );
  realms
    .command('create <name>')
    .description('Create a realm')
    .action((name: string) =>
      withServices(async (s) => {
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
          throw new Error('A realm name is 1-64 letters, digits, ".", "_" or "-"');
        await s.realms.create(name, CLI);
        out(`Realm ${name} created`);
      }),
    );
}

/** `gatehouse keys rotate`. */
export function keysCommand(program: Command, cli: CliContext): void {
  const { withServices, out } = cli;
  const keys = program.command('keys').alias('key').description('Signing keys of access tokens');
  keys
    .command('rotate')
    .description(
      "Add new signing keys (access tokens and the dialects' JWTs); tokens signed before keep verifying until they " +
        'expire',
    )
    .addOption(
      new Option(
        '--only <keys>',
        'access (HBP access tokens) or dialects (HumHub, privacyIDEA, datarhei JWTs)',
      ).choices(['access', 'dialects']),
    )
    .action((opts: { only?: 'access' | 'dialects' }) =>
      withServices(async (s) => {
        const rotated = await s.rotateKeys(CLI, opts.only ?? 'all');
        if (rotated.kid)
          out(
            `New signing key ${rotated.kid} (${rotated.algorithm}); ` +
              `still verifying: ${rotated.retired!.join(', ') || 'none'}`,
          );
        for (const d of rotated.dialects)
          out(`New ${d.ring} key ${d.kid}; still verifying: ${d.retired.join(', ') || 'none'}`);
        if (rotated.oidc)
          out(`New ID-token key ${rotated.oidc.kid}; still verifying: ${rotated.oidc.retired.join(', ') || 'none'}`);
      }),
    );
}
