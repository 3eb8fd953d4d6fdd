import type { Command } from 'commander';
import { CLI } from '../core/sessions/actor.js';
import { type CliContext, formatOption } from './context.js';
import { findUser } from './core.js';

/** `gatehouse users passkeys <user>`: list a user's passkeys, or remove one (audited; nothing else ends). */
export function passkeysCommand(users: Command, cli: CliContext): void {
  const { withServices, confirm, out, printJson } = cli;
  users
    .command('passkeys <user>')
    .description("List a user's passkeys, or remove one (--remove <id>); their sessions stay")
    .option('--remove <passkey-id>', 'remove this passkey')
    .option('--yes', 'do not ask')
    .addOption(formatOption())
    .action((who: string, opts: { remove?: string; yes?: boolean; format: string }) =>
      withServices(async (s) => {
        const target = await findUser(s, who);
        if (opts.remove) {
          await confirm(`Remove passkey ${opts.remove} of ${target.email}?`, opts.yes);
          await s.passkeys.remove(target.id, opts.remove, CLI, true);
          return out(`${target.email}: passkey ${opts.remove} removed`);
        }
        const { presentPasskey } = await import('../http/native/auth/webauthn/schemas.js');
        const rows = (await s.passkeys.list(target.id)).map(presentPasskey);
        if (opts.format === 'json') return printJson(rows);
        if (!rows.length) return out(`${target.email}: no passkeys`);
        for (const r of rows)
          out(
            `${r.id}  ${r.nickname ?? '-'}  ${r.device_type}  ${r.created_at}  last used ${r.last_used_at ?? 'never'}`,
          );
      }),
    );
}
