import type { Command } from 'commander';
import { bearerTokens } from '../http/native/auth/bearer-tokens.js';
import type { Services } from '../services.js';
import { CLI } from '../core/sessions/actor.js';
import { integer, type CliContext, formatOption } from './context.js';
import { findUser } from './core.js';

/** `gatehouse tokens …` (alias `token`): personal bearer tokens. */
export function tokensCommand(program: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;
  const tokens = program.command('tokens').alias('token').description('Personal bearer tokens (HumHub)');
  tokens
    .command('list [user]')
    .description("A user's bearer tokens, or everyone's with --all (never the tokens themselves)")
    .option('--all', 'tokens of every user')
    .addOption(formatOption())
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
