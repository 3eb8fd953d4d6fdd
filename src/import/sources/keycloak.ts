import { createReadStream } from 'node:fs';
import { Secret } from 'otpauth';
import { importedHash } from '../../core/passwords/imported.js';
import { userIdFrom } from '../ids.js';
import type { ImportRecord, SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { streamedValues } from './json-stream.js';

interface Credential {
  type?: string;
  secretData?: string;
  credentialData?: string;
  createdDate?: number;
}
interface KeycloakUser {
  id?: string;
  username?: string;
  email?: string;
  emailVerified?: boolean;
  enabled?: boolean;
  firstName?: string;
  lastName?: string;
  createdTimestamp?: number;
  attributes?: Record<string, string[]>;
  realmRoles?: string[];
  credentials?: Credential[];
  federatedIdentities?: { identityProvider?: string; userId?: string; userName?: string }[];
}

const parse = <T>(s: string | undefined): T => (s ? JSON.parse(s) : {}) as T;
const first = (v: string[] | string | undefined) => (Array.isArray(v) ? v[0] : v);
const b64nopad = (s: string) => Buffer.from(s, 'base64').toString('base64').replace(/=+$/, '');

/** A Keycloak password credential as a hash Gatehouse checks: pbkdf2 tagged with its parameters, argon2 as PHC. */
export function keycloakHash(c: Credential): { hash: string; ok: boolean } {
  const secret = parse<{ value?: string; salt?: string }>(c.secretData);
  const data = parse<{ hashIterations?: number; algorithm?: string; additionalParameters?: Record<string, string[]> }>(
    c.credentialData,
  );
  const algorithm = data.algorithm ?? 'pbkdf2-sha256';
  if (/^pbkdf2(-sha(256|512))?$/.test(algorithm) && secret.value && secret.salt) {
    const scheme = algorithm === 'pbkdf2' ? 'pbkdf2-sha1' : algorithm;
    return { hash: importedHash(scheme, String(data.hashIterations ?? 27500), secret.salt, secret.value), ok: true };
  }
  if (algorithm === 'argon2' && secret.value && secret.salt) {
    const p = data.additionalParameters ?? {};
    const type = first(p.type) ?? 'id';
    const version = first(p.version) === '1.0' ? 16 : 19;
    const params = `m=${first(p.memory) ?? 7168},t=${data.hashIterations ?? 5},p=${first(p.parallelism) ?? 1}`;
    return {
      hash: `$argon2${type}$v=${version}$${params}$${b64nopad(secret.salt)}$${b64nopad(secret.value)}`,
      ok: true,
    };
  }
  return { hash: importedHash('unsupported', algorithm), ok: false };
}

/** Keycloak's OTP secret is the text of its key; authenticator apps get its bytes in base32. */
function totpOf(c: Credential): string | undefined {
  const secret = parse<{ value?: string }>(c.secretData).value;
  const data = parse<{ subType?: string; digits?: number; period?: number; algorithm?: string }>(c.credentialData);
  const standard = (data.subType ?? 'totp') === 'totp' && (data.digits ?? 6) === 6 && (data.period ?? 30) === 30;
  if (!secret || !standard || (data.algorithm ?? 'HmacSHA1') !== 'HmacSHA1') return undefined;
  return new Secret({ buffer: new Uint8Array(Buffer.from(secret, 'utf8')).buffer }).base32;
}

export function fromKeycloak(u: KeycloakUser, realm: string, defaultRole: string): SourceItem {
  if (!u.id || !u.username) return { skip: 'a user without id or username' };
  if (!u.email) return { skip: `${u.username}: no email, not imported` };
  const warnings: string[] = [];
  const password = u.credentials?.find((c) => c.type === 'password');
  const otp = u.credentials?.find((c) => c.type === 'otp');
  const hash = password ? keycloakHash(password) : undefined;
  const totp = otp && totpOf(otp);
  if (otp && !totp) warnings.push(`${u.username}: an OTP credential other than TOTP/SHA-1/6 digits/30 s, not imported`);
  // Keycloak's own default roles are not application roles.
  const roles = (u.realmRoles ?? []).filter(
    (r) => r !== `default-roles-${realm}` && r !== 'offline_access' && r !== 'uma_authorization',
  );
  const all = roles.includes(defaultRole) ? roles : [defaultRole, ...roles];
  const name = [u.firstName, u.lastName].filter(Boolean).join(' ');
  const created = u.createdTimestamp ? new Date(u.createdTimestamp).toISOString() : undefined;
  const record: ImportRecord = {
    id: userIdFrom('keycloak', u.id),
    email: u.email,
    username: u.username,
    displayName: name || null,
    locale: first(u.attributes?.locale) ?? null,
    defaultRole,
    roles: all,
    active: true,
    disabled: u.enabled === false,
    emailVerified: u.emailVerified === true,
    passwordHash: hash?.hash ?? null,
    metadata: {},
    createdAt: created,
    ...(totp && { mfa: { secret: totp, enabledAt: created ?? null } }),
    identities: (u.federatedIdentities ?? []).flatMap((f) =>
      f.identityProvider && f.userId
        ? [{ provider: f.identityProvider, subject: f.userId, login: f.userName ?? null }]
        : [],
    ),
  };
  return { user: record, warnings };
}

/**
 * A Keycloak realm export (`kc.sh export --realm …`, or the admin console's), streamed: each user is read and
 * written as the parser reaches it, so a realm of millions of users needs the memory of one. The realm's name
 * comes first in Keycloak's exports (it names the default roles left out).
 */
export async function* keycloakSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  const input = from === '-' ? ctx.stdin : createReadStream(from);
  let realm = '';
  for await (const { key, value } of streamedValues(input as AsyncIterable<Uint8Array>, ['$.realm', '$.users.*'])) {
    if (key === 'realm') realm = typeof value === 'string' ? value : '';
    else if (value && typeof value === 'object') yield fromKeycloak(value as KeycloakUser, realm, ctx.defaultRole);
    else yield { skip: `users[${String(key)}]: not an object` };
  }
}
