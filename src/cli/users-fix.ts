import type { Command } from 'commander';
import { CLI } from '../core/sessions/actor.js';
import type { User } from '../core/users/service.js';
import { adminUser } from '../http/admin/user-json.js';
import type { Services } from '../services.js';
import type { CliContext } from './context.js';
import { findUser } from './core.js';
import { methodVerb } from './methods.js';
import * as valid from './validate.js';

/** Disables or enables, and says what happened: nothing to do, or an inactive account that still cannot sign in. */
export async function setDisabled(s: Services, target: User, disabled: boolean): Promise<string> {
  const inactive = target.active
    ? ''
    : `; ${target.email} is inactive (never activated) and cannot sign in until activated: ` +
      `gatehouse users activate ${target.email}`;
  if (target.disabled === disabled)
    return `${target.email} was ${disabled ? 'already disabled' : 'not disabled'}: nothing changed${inactive}`;
  await s.accounts.setDisabled(target.id, disabled, CLI);
  return disabled
    ? `${target.email} disabled: every session ended, sign-ins refused`
    : `${target.email} enabled: may sign in again${inactive}`;
}

/** `users activate | resend-activation | reset-mfa | edit`, and the old `allow-method` spellings (hidden). */
export function usersFixCommands(users: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;

  users
    .command('activate <user>')
    .description('Activate a pending account (its address taken as proven by you)')
    .action((who: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        const changed = await s.adminActions.activate(target.id, CLI);
        out(changed ? `${target.email} activated` : `${target.email} was active already: nothing changed`);
      }),
    );

  users
    .command('resend-activation <user>')
    .description('Mail a pending account its activation link again')
    .action((who: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await s.adminActions.resendActivation(target.id, CLI);
        out(`${target.email}: activation mail sent (${s.mailer.describe})`);
      }),
    );

  users
    .command('reset-mfa <user>')
    .description('Remove the second factor of a user who lost it; they sign in with the password and set it up again')
    .action((who: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        const changed = await s.adminActions.resetMfa(target.id, CLI);
        out(
          changed ? `${target.email}: second factor removed` : `${target.email} had no second factor: nothing changed`,
        );
      }),
    );

  users
    .command('edit <user>')
    .description("Change a user's email (taken as proven; their sessions end), username, display name or metadata")
    .option('--email <email>', 'new address', valid.email)
    .option('--username <name>', 'new login name', valid.username)
    .option('--display-name <name>', 'new display name', valid.displayName)
    .option('--metadata <json>', 'replace the metadata with this JSON object', valid.jsonObject)
    .option('--format <format>', 'table or json', 'table')
    .action(
      (
        who: string,
        opts: {
          email?: string;
          username?: string;
          displayName?: string;
          metadata?: Record<string, unknown>;
          format: string;
        },
      ) =>
        withServices(async (s) => {
          const { format, ...edit } = opts;
          if (!Object.values(edit).some((v) => v !== undefined))
            throw new Error('Nothing to change: give --email, --username, --display-name or --metadata');
          const target = await findUser(s, who);
          const user = await s.adminActions.edit(target.id, edit, CLI);
          if (format === 'json') return printJson(adminUser(user));
          out(`${user.email} (${user.id}): username ${user.username}, display name ${user.displayName ?? '-'}`);
        }),
    );

  // The old spellings of `gatehouse methods allow|disallow`, kept working but no longer listed.
  for (const allow of [true, false]) {
    users
      .command(`${allow ? 'allow' : 'disallow'}-method <user> <method>`, { hidden: true })
      .action((who: string, method: string) => withServices((s) => methodVerb(s, cli, allow, who, method)));
  }
}
