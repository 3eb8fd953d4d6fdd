import { type Document, EJSON } from 'bson';
import { importedHash } from '../../core/passwords/imported.js';
import { userIdFrom } from '../ids.js';
import type { ImportRecord, SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { streamedValues } from './json-stream.js';
import { linesIn, peeked } from './lines.js';

/** Rocket.Chat's default login expiry (Accounts_LoginExpiration): 90 days after the token's `when`. */
const LOGIN_EXPIRY_MS = 90 * 86_400_000;

interface RocketChatUser {
  _id?: string;
  username?: string;
  name?: string;
  emails?: { address?: string; verified?: boolean }[];
  roles?: string[];
  active?: boolean;
  type?: string;
  createdAt?: Date;
  lastLogin?: Date;
  services?: {
    password?: { bcrypt?: string };
    totp?: { enabled?: boolean; secret?: string };
    resume?: { loginTokens?: { when?: Date; createdAt?: Date; hashedToken?: string; type?: string; name?: string }[] };
  };
}

const iso = (d: unknown) => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined);

/** One `users` document as a user, or why it is not one. */
export function fromRocketChat(u: RocketChatUser, defaultRole: string): SourceItem {
  if (typeof u._id !== 'string') return { skip: 'a document without _id' };
  if (u.type && u.type !== 'user') return { skip: `${u._id}: a ${u.type} account, not imported` };
  const email = u.emails?.find((e) => e.address)?.address;
  if (!email) return { skip: `${u._id}: no email, not imported` };
  const roles = u.roles?.length ? [...new Set(u.roles)] : [defaultRole];
  const bcrypt = u.services?.password?.bcrypt;
  const totp = u.services?.totp;
  const record: ImportRecord = {
    id: userIdFrom('rocketchat', u._id),
    email,
    username: u.username ?? null,
    displayName: u.name ?? null,
    defaultRole: roles.includes('user') ? 'user' : roles[0]!,
    roles,
    active: u.active !== false,
    disabled: false,
    emailVerified: u.emails?.find((e) => e.address === email)?.verified === true,
    // bcrypt over the SHA-256 hex digest: the password checks through the digest, and a digest login directly.
    passwordHash: bcrypt ? importedHash('bcrypt-sha256', bcrypt) : null,
    passwordDigestHash: bcrypt ?? null,
    metadata: {},
    createdAt: iso(u.createdAt),
    lastLoginAt: iso(u.lastLogin) ?? null,
    ...(totp?.secret && { mfa: { secret: totp.secret, enabledAt: totp.enabled ? (iso(u.createdAt) ?? null) : null } }),
    identities: [{ provider: 'rocketchat', subject: u._id, login: u.username ?? null }],
    apiTokens: (u.services?.resume?.loginTokens ?? []).flatMap((t) => {
      if (!t.hashedToken) return [];
      const when = t.when ?? t.createdAt;
      const pat = t.type === 'personalAccessToken';
      const expiresAt =
        pat || !(when instanceof Date) ? null : new Date(when.getTime() + LOGIN_EXPIRY_MS).toISOString();
      return [{ hash: t.hashedToken, kind: 'rocketchat', expiresAt, createdAt: iso(when), name: t.name ?? null }];
    }),
  };
  return { user: record };
}

/**
 * A `mongoexport` of Rocket.Chat's `users` collection: JSON lines (mongoexport's default) or one array
 * (`--jsonArray`, often a single line), in Extended JSON (`{"$date": …}`). Both are streamed: a line, or an
 * element of the array, at a time.
 */
export async function* rocketchatSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const { first, input } = await peeked(from, ctx.stdin);
  if (first === '[') {
    for await (const { key, value } of streamedValues(input, ['$.*'])) {
      try {
        yield fromRocketChat(
          EJSON.deserialize(value as Document, { relaxed: true }) as RocketChatUser,
          ctx.defaultRole,
        );
      } catch {
        yield { skip: `element ${String(key)}: not Extended JSON` };
      }
    }
    return;
  }
  for await (const [n, line] of linesIn(input)) {
    try {
      yield fromRocketChat(EJSON.parse(line, { relaxed: true }) as RocketChatUser, ctx.defaultRole);
    } catch {
      yield { skip: `line ${n}: not Extended JSON` };
    }
  }
}
