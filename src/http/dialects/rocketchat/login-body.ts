import { errors } from '../../../core/errors.js';

type LoginBody = {
  user?: unknown;
  username?: unknown;
  email?: unknown;
  password?: unknown;
  resume?: unknown;
  code?: unknown;
};

/** The login name of any of Rocket.Chat's body shapes. */
function loginName(body: LoginBody): unknown {
  if (typeof body.user === 'string') return body.user;
  if (body.user && typeof body.user === 'object') {
    const u = body.user as { email?: unknown; username?: unknown };
    return u.email ?? u.username;
  }
  return body.username ?? body.email;
}

/** The password in either of Rocket.Chat's forms: plain, or `{digest: <SHA-256 hex>, algorithm: 'sha-256'}`. */
function passwordOf(value: unknown): { password: string; digest?: string } | undefined {
  if (typeof value === 'string') return { password: value };
  const d = value as { digest?: unknown; algorithm?: unknown } | null;
  if (
    d &&
    typeof d === 'object' &&
    d.algorithm === 'sha-256' &&
    typeof d.digest === 'string' &&
    /^[0-9a-fA-F]{64}$/.test(d.digest)
  )
    return { password: '', digest: d.digest };
  return undefined;
}

/** A login request, read: a resume token, or a name with a password (or its digest) and maybe a TOTP code. */
export type ParsedLogin =
  | { kind: 'resume'; token: string }
  | { kind: 'password'; name: string; password: { password: string; digest?: string }; code?: string };

/**
 * Reads any of Rocket.Chat's login bodies. A value of the wrong type (an object, a boolean) is a bad request,
 * not a login attempt; a missing name or password is a failed login.
 */
export function parseLogin(raw: unknown, codeHeader: unknown): ParsedLogin {
  const body = (raw ?? {}) as LoginBody;
  if (body.resume !== undefined) {
    if (typeof body.resume !== 'string') throw errors.validation('resume must be a string');
    return { kind: 'resume', token: body.resume };
  }
  const name = loginName(body);
  const code = body.code ?? (typeof codeHeader === 'string' ? codeHeader : undefined);
  const password = passwordOf(body.password);
  if (
    (name !== undefined && typeof name !== 'string') ||
    (body.user !== undefined && typeof name !== 'string') ||
    (body.password !== undefined && !password)
  )
    throw errors.validation('user and password must be strings (or password a sha-256 digest)');
  if (typeof name !== 'string' || !password) throw errors.unauthenticated();
  if (code !== undefined && typeof code !== 'string') throw errors.validation('code must be a string');
  return { kind: 'password', name, password, code: code || undefined };
}
