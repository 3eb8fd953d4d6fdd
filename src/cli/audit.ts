import { Option, type Command } from 'commander';
import { auditPage, type AuditQuery } from '../http/admin/audit.js';
import { withPeople } from '../http/admin/audit-people.js';
import { type CliContext, formatOption } from './context.js';
import { findUser } from './core.js';

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
    .addOption(formatOption())
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
