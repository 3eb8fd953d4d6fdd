import { Option, type Command } from 'commander';
import { auditPage, type AuditQuery } from '../http/admin/audit.js';
import { withPeople } from '../http/admin/audit-people.js';
import { bearerTokens } from '../http/native/auth/bearer-tokens.js';
import type { Services } from '../services.js';
import { CLI } from '../core/sessions/actor.js';
import { integer, type CliContext } from './context.js';
import { findUser } from './core.js';

const format = () =>
  new Option('--format <format>', 'table or json (the admin API shape)').choices(['table', 'json']).default('table');

/** `gatehouse tokens …` (alias `token`): personal bearer tokens. */
export function tokensCommand(program: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;
  const tokens = program.command('tokens').alias('token').description('Personal bearer tokens (HumHub)');
  tokens
    .command('list [user]')
    .description("A user's bearer tokens, or everyone's with --all (never the tokens themselves)")
    .option('--all', 'tokens of every user')
    .addOption(format())
    .action((who: string | undefined, opts: { all?: boolean; format: string }) =>
      withServices(async (s) => {
        if (!who && !opts.all) throw new Error('Name a user, or add --all');
        const owners = who ? [await findUser(s, who)] : await everyUser(s);
        const rows = [];
        for (const u of owners)
          rows.push(...(await bearerTokens(s).list(u.id)).map((t) => ({ ...t, user_id: u.id, email: u.email })));
        if (opts.format === 'json') return printJson(rows);
        for (const t of rows)
          out(
            `${t.id}  ${t.email}  ${t.name ?? '-'}  ` +
              (t.revoked ? 'revoked' : t.expires_at ? `until ${t.expires_at}` : 'no expiry'),
          );
      }),
    );
  tokens
    .command('create <user>')
    .description('Create a bearer token for a user; it is printed once')
    .option('--name <name>', 'what the token is for')
    .option('--days <n>', 'lifetime in days (default: no expiry)', integer)
    .action((who: string, opts: { name?: string; days?: number }) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        const issued = await s.apiTokens.issue(target.id, 'bearer', {
          lifetimeMs: opts.days ? opts.days * 86_400_000 : null,
          name: opts.name ?? null,
          actor: CLI,
        });
        out(issued.token);
      }),
    );
  tokens
    .command('revoke <id>')
    .description('Revoke a bearer token by its id (as listed); it stops working at once')
    .action((id: string) =>
      withServices(async (s) => {
        // An id is a uuid; anything else (e.g. the token itself) is no token's id on either database.
        const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
        if (!isId || !(await s.apiTokens.revokeById(id, CLI)))
          throw new Error('No such live token (give its id, as `tokens list` shows it)');
        out('revoked');
      }),
    );
}

async function everyUser(s: Services) {
  const all = [];
  for (let cursor: string | undefined; ; ) {
    const page = await s.users.list({ limit: 500, cursor });
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

/** `gatehouse realms …` (alias `realm`). */
export function realmsCommand(program: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;
  const realms = program.command('realms').alias('realm').description('Manage realms');
  realms
    .command('list')
    .description('List realms')
    .addOption(format())
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

/** `gatehouse audit`: the audit log, with the filters of GET /admin/audit. */
export function auditCommand(program: Command, cli: CliContext): void {
  const { withServices, out, err, printJson } = cli;
  program
    .command('audit')
    .description('Read the audit log, newest first (same filters as GET /admin/audit)')
    .option('--actor <actor>', 'a user (email, username or id), admin-secret or cli')
    .option('--action <action>', 'e.g. login, mfa.enable, keys.rotate')
    .option('--subject <subject>')
    .option('--door <door>', 'hbp, humhub, rocketchat, privacyidea, datarhei…')
    .addOption(new Option('--outcome <outcome>').choices(['success', 'failure', 'mfa_required', 'rate_limited']))
    .option('--since <date>', 'ISO 8601')
    .option('--until <date>', 'ISO 8601')
    .option('--limit <n>', '1 to 1000', '100')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .addOption(format())
    .action((opts: AuditQuery & { format: string }) =>
      withServices(async (s) => {
        for (const key of ['since', 'until'] as const)
          if (opts[key] && Number.isNaN(Date.parse(opts[key]))) throw new Error(`--${key}: not a date: ${opts[key]}`);
        if (!/^\d{1,4}$/.test(opts.limit ?? '') || (opts.cursor && !/^\d{1,18}$/.test(opts.cursor)))
          throw new Error('--limit and --cursor are whole numbers');
        const actor = opts.actor?.includes('@') ? (await findUser(s, opts.actor)).id : opts.actor;
        // The admin API's shape, people included (actor_user, subject_user).
        const page = await withPeople(
          s,
          await auditPage(s, {
            ...opts,
            actor,
            since: opts.since && new Date(opts.since).toISOString(),
            until: opts.until && new Date(opts.until).toISOString(),
          }),
        );
        if (opts.format === 'json') return printJson(page);
        for (const e of page.entries)
          out(
            `${e.at}  ${e.action}  ${e.outcome}  actor=${e.actor ?? '-'}  subject=${e.subject ?? '-'}` +
              `${e.door ? `  door=${e.door}` : ''}  ip=${e.ip ?? '-'}`,
          );
        if (page.next_cursor) err(`more: --cursor ${page.next_cursor}`);
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
