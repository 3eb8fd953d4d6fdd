import { Option, type Command } from 'commander';
import { pageLimit } from '../core/cursor.js';
import { USER_STATES, type UserListFilter } from '../core/users/service.js';
import { adminUser, adminUserPage, DEFAULT_PAGE, MAX_PAGE } from '../http/admin/user-json.js';
import { CLI } from '../core/sessions/actor.js';
import { integer, type CliContext, formatOption } from './context.js';
import { findUser } from './core.js';
import { passkeysCommand } from './passkeys.js';
import { setDisabled, usersFixCommands } from './users-fix.js';
import { readPassword } from './password-prompt.js';
import * as valid from './validate.js';

/** `gatehouse users …` (alias `user`). */
export function usersCommand(program: Command, cli: CliContext): void {
  const { withServices, confirm, out, printJson } = cli;
  const users = program
    .command('users')
    .alias('user')
    .description('Manage users (a user is named by email, username or id)');

  users
    .command('list')
    .description('List users, a page at a time in creation order')
    .option(
      '--search <text>',
      'only users whose email or username contains this text (any case; 1 or 2 characters: starts with it)',
    )
    .option('--limit <n>', `at most this many (1 to ${MAX_PAGE})`, integer, DEFAULT_PAGE)
    .option('--cursor <cursor>', 'the page after this one (the next cursor a previous page printed)')
    .option('--realm <realm>', 'only users of this realm')
    .option('--role <role>', 'only users holding this role')
    .addOption(new Option('--state <state>', 'only users in this state').choices([...USER_STATES]))
    .addOption(formatOption())
    .action((opts: UserListFilter & { limit: number; cursor?: string; format: string }) =>
      withServices(async (s) => {
        const limit = pageLimit(opts.limit, DEFAULT_PAGE, MAX_PAGE);
        const { search, realm, role, state, cursor } = opts;
        const page = await s.users.list({ search, realm, role, state, limit, cursor });
        if (opts.format === 'json') return printJson(adminUserPage(page));
        for (const u of page.items) {
          const state = u.disabled ? 'disabled' : u.active ? 'active' : 'inactive';
          out(`${u.id}  ${u.email}  ${state}  ${u.defaultRole} [${u.roles.join(',')}]`);
        }
        if (page.nextCursor) out(`next cursor: ${page.nextCursor}`);
      }),
    );

  users
    .command('create')
    .description('Create an active user; the password is asked twice on a terminal, else read from standard input')
    .requiredOption('--email <email>', 'the address (the API checks it the same way)', valid.email)
    .option('--roles <roles>', 'comma-separated roles (default: DEFAULT_ALLOWED_USER_ROLES)', valid.roles)
    .option('--default-role <role>', 'one of the roles', valid.role)
    .option('--display-name <name>', 'at most 200 characters', valid.displayName)
    .option('--username <name>', 'login name (default: generated from the email)', valid.username)
    .addOption(formatOption())
    .action(
      (opts: {
        email: string;
        roles?: string[];
        defaultRole?: string;
        displayName?: string;
        username?: string;
        format: string;
      }) =>
        withServices(async (s) => {
          const password = await readPassword(cli.io, { confirm: true });
          const roles = opts.roles ?? s.config.users.defaultAllowedRoles;
          const defaultRole =
            opts.defaultRole ?? (roles.includes(s.config.users.defaultRole) ? s.config.users.defaultRole : roles[0]!);
          const created = await s.users.create({
            email: opts.email,
            username: opts.username,
            password,
            roles,
            defaultRole,
            displayName: opts.displayName,
            active: true,
          });
          if (opts.format === 'json') return printJson(adminUser((await s.users.get(created.id))!));
          out(`Created ${created.email} (${created.id}) with roles ${created.roles.join(',')}`);
        }),
    );

  users
    .command('delete <user>')
    .description('Delete a user, their sessions, tokens and MFA')
    .option('--yes', 'do not ask')
    .action((who: string, opts: { yes?: boolean }) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await confirm(`Delete ${target.email} (${target.id})?`, opts.yes);
        await s.accounts.remove(target.id, CLI);
        out(`${target.email} deleted`);
      }),
    );

  users
    .command('set-password <user>')
    .description("Set a user's password: asked twice on a terminal, else read from standard input")
    .action((who: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await s.accounts.setPassword(target.id, await readPassword(cli.io, { confirm: true }), CLI);
        out(`${target.email}: password set`);
      }),
    );

  users
    .command('set-username <user> <name>')
    .description("Set a user's login name (letters, digits, '.', '_', '-')")
    .action((who: string, name: string) =>
      withServices(async (s) => {
        valid.username(name);
        const target = await findUser(s, who);
        await s.accounts.setUsername(target.id, name, CLI);
        out(`${target.email}: username ${name}`);
      }),
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <user>`)
      .description(disabled ? 'Disable a user and end all their sessions' : 'Enable a disabled user')
      .action((who: string) =>
        withServices(async (s) => {
          const target = await findUser(s, who);
          out(await setDisabled(s, target, disabled));
        }),
      );
  }

  users
    .command('ban <user>')
    .description('Refuse every sign-in of a user until a date, and end their sessions')
    .requiredOption('--until <date>', 'ISO 8601 date or date-time')
    .option('--reason <text>')
    .option('--yes', 'do not ask')
    .action((who: string, opts: { until: string; reason?: string; yes?: boolean }) =>
      withServices(async (s) => {
        const until = new Date(opts.until);
        if (Number.isNaN(until.getTime())) throw new Error(`--until: not a date: ${opts.until}`);
        const target = await findUser(s, who);
        await confirm(`Ban ${target.email} until ${until.toISOString()}?`, opts.yes);
        await s.accounts.ban(target.id, until, opts.reason ?? null, CLI);
        out(`${target.email} banned until ${until.toISOString()}`);
      }),
    );

  users
    .command('unban <user>')
    .description('Lift a ban')
    .action((who: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await s.accounts.unban(target.id, CLI);
        out(`${target.email} unbanned`);
      }),
    );

  users
    .command('set-roles <user>')
    .description("Replace a user's roles")
    .requiredOption('--roles <roles>', 'comma-separated roles', valid.roles)
    .option('--default-role <role>', 'default role (default: the first role)', valid.role)
    .action((who: string, opts: { roles: string[]; defaultRole?: string }) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await s.accounts.setRoles(target.id, opts.roles, opts.defaultRole ?? opts.roles[0]!, CLI);
        out(`${target.email}: roles ${opts.roles.join(',')}`);
      }),
    );

  users
    .command('set-realm <user> <realm>')
    .description('Move a user to a realm')
    .action((who: string, realm: string) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        await s.accounts.setRealm(target.id, realm, CLI);
        out(`${target.email}: realm ${realm}`);
      }),
    );

  users
    .command('sessions <user>')
    .description("List a user's sessions, or end one (--revoke <id>) or all of them (--revoke-all)")
    .option('--revoke <session-id>', 'end this session')
    .option('--revoke-all', 'end every session of the user')
    .option('--yes', 'do not ask')
    .addOption(formatOption())
    .action((who: string, opts: { revoke?: string; revokeAll?: boolean; yes?: boolean; format: string }) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        const sessions = s.sessions;
        if (opts.revokeAll) {
          await confirm(`End every session of ${target.email}?`, opts.yes);
          await sessions.revokeAll(target.id, { actor: CLI, reason: 'admin' });
          return out(`${target.email}: every session ended`);
        }
        if (opts.revoke) {
          await sessions.revoke(opts.revoke, { userId: target.id, actor: CLI });
          return out(`${target.email}: session ${opts.revoke} ended`);
        }
        const rows = (await sessions.list(target.id)).map((x) => ({
          id: x.id,
          door: x.door,
          created_at: x.createdAt.toISOString(),
          expires_at: x.expiresAt.toISOString(),
          revoked_at: x.revokedAt?.toISOString() ?? null,
          ip: x.ip,
          user_agent: x.userAgent,
        }));
        if (opts.format === 'json') return printJson(rows);
        for (const r of rows)
          out(
            `${r.id}  ${r.door}  ${r.created_at}  ${r.revoked_at ? 'ended' : `until ${r.expires_at}`}  ${r.ip ?? '-'}`,
          );
      }),
    );

  usersFixCommands(users, cli);
  passkeysCommand(users, cli);
}
