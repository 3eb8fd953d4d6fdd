import type { Command } from 'commander';
import type { LimitedMethod, MethodMode } from '../core/auth-methods/service.js';
import type { Services } from '../services.js';
import type { CliContext } from './context.js';
import { findUser } from './core.js';

const METHODS = ['jwt', 'basic'];
const MODES = ['all', 'selected', 'off'];

/** Opens or closes a method set to "selected" for one user. */
export async function methodVerb(s: Services, cli: CliContext, allow: boolean, who: string, method: string) {
  if (!METHODS.includes(method)) throw new Error('The method is jwt or basic');
  const target = await findUser(s, who);
  await (allow
    ? s.authMethods.allow(method as LimitedMethod, target.id)
    : s.authMethods.disallow(method as LimitedMethod, target.id));
  cli.out(`${target.email}: ${method} ${allow ? 'allowed' : 'disallowed'}`);
}

async function setMode(s: Services, cli: CliContext, method: string, mode: string) {
  if (!METHODS.includes(method) || !MODES.includes(mode))
    throw new Error('Usage: gatehouse methods set jwt|basic all|selected|off');
  await s.authMethods.setMode(method as LimitedMethod, mode as MethodMode);
  cli.out(`${method}: ${mode}`);
}

/**
 * `gatehouse methods set|allow|disallow`: who may use HumHub's limited methods, under one noun. The old
 * `gatehouse method <method> <mode>` stays as a hidden alias of `methods set`.
 */
export function methodsCommand(program: Command, cli: CliContext): void {
  const methods = program.command('methods').description('Who may use a HumHub method (jwt, basic)');
  methods
    .command('set <method> <mode>')
    .description('all, selected (the users allowed one by one) or off')
    .action((method: string, mode: string) => cli.withServices((s) => setMode(s, cli, method, mode)));
  for (const allow of [true, false])
    methods
      .command(`${allow ? 'allow' : 'disallow'} <user> <method>`)
      .description(`${allow ? 'Open' : 'Close'} a method set to "selected" for one user`)
      .action((who: string, method: string) => cli.withServices((s) => methodVerb(s, cli, allow, who, method)));
  program
    .command('method <method> <mode>', { hidden: true })
    .action((method: string, mode: string) => cli.withServices((s) => setMode(s, cli, method, mode)));
}
