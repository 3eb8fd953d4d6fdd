import { readFile } from 'node:fs/promises';
import { hash } from '@node-rs/argon2';
import { userIdFrom } from '../ids.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { signingKeyItems } from './keys.js';

/** Core's refresh tokens live 24 hours (its access tokens 10 minutes). */
const CORE_REFRESH_SECONDS = 86_400;

interface CoreConfig {
  api?: { auth?: { enable?: boolean; username?: string; password?: string; jwt?: { secret?: string } } };
}

/**
 * datarhei Core's `config.json`: its one API user. Core keeps that password in the clear, so it is hashed here
 * (argon2id; the one hash an import computes). With `--signing-keys`, its JWT secret comes over verify-only, so the
 * access and refresh tokens Core issued keep working until they expire.
 */
export async function* datarheiSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const text =
    from === '-' ? await (await import('node:stream/consumers')).text(ctx.stdin) : await readFile(from, 'utf8');
  const auth = (JSON.parse(text) as CoreConfig).api?.auth;
  if (!auth?.username) {
    yield { skip: 'config.json has no api.auth.username' };
    return;
  }
  const warnings = [`${auth.username}: imported as ${auth.username}@datarhei.invalid (Core has no email)`];
  const key = { door: 'datarhei', algorithm: 'HS256', material: auth.jwt?.secret } as const;
  yield* signingKeyItems(ctx, key, CORE_REFRESH_SECONDS, 'api.auth.jwt.secret');
  yield {
    warnings,
    user: {
      id: userIdFrom('datarhei', auth.username),
      email: `${auth.username}@datarhei.invalid`,
      username: auth.username,
      defaultRole: 'admin',
      roles: [...new Set(['admin', ctx.defaultRole])],
      active: auth.enable !== false,
      disabled: false,
      emailVerified: false,
      passwordHash: auth.password ? await hash(auth.password, { algorithm: 2 }) : null,
      metadata: {},
    },
  };
}
