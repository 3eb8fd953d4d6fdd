import { startAuthentication } from '@simplewebauthn/browser';
/**
 * The console's only way to the server: the public admin and native APIs. The access token
 * (or the admin secret) lives in this module's memory only; the refresh token stays in the
 * server's httpOnly cookie, so a reload signs in again without anything readable by script.
 * Admin calls carry a bearer header, never a cookie, which makes them safe from CSRF.
 */
export type Credential = { kind: 'token'; token: string; email: string } | { kind: 'secret'; secret: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The route does not exist on this server (an older Gatehouse, or a switched-off feature). */
  get unavailable() {
    return this.status === 404 && (this.code === 'route-not-found' || this.code === 'feature-disabled');
  }
}

let credential: Credential | null = null;
const listeners = new Set<() => void>();

export const currentCredential = () => credential;
export function onCredentialChange(fn: () => void) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function setCredential(c: Credential | null) {
  credential = c;
  for (const fn of listeners) fn();
}

async function send(method: string, path: string, body: unknown, auth: Credential | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth?.kind === 'token') headers.authorization = `Bearer ${auth.token}`;
  if (auth?.kind === 'secret') headers['x-admin-secret'] = auth.secret;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return new ApiError(res.status, body.code ?? 'http-error', body.message ?? `${res.status} ${res.statusText}`);
}

type SessionReply = {
  jwt_token: string | null;
  user?: { email: string };
  mfa?: boolean;
  ticket?: string;
  methods?: string[];
};

/** Rotates the refresh cookie into a new access token; false when there is no live session. */
async function refresh(): Promise<boolean> {
  const res = await send('GET', '/auth/token/refresh', undefined, null);
  if (!res.ok) return false;
  const body = (await res.json()) as SessionReply;
  if (!body.jwt_token) return false;
  credential = { kind: 'token', token: body.jwt_token, email: body.user?.email ?? '' };
  return true;
}

/** Calls the API; an expired access token is renewed once through the refresh cookie. */
async function raw(method: string, path: string, body?: unknown): Promise<Response> {
  let res = await send(method, path, body, credential);
  if (res.status === 401 && credential?.kind === 'token') {
    if (await refresh()) res = await send(method, path, body, credential);
    else setCredential(null);
  }
  return res;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await raw(method, path, body);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? res.json() : res.text()) as Promise<T>;
}

/** A file's bytes as an object URL (for image previews): an <img src> could not carry the bearer header. */
export async function blobUrl(path: string): Promise<string> {
  const res = await raw('GET', path);
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

/** Confirms that the credential may use the admin API; otherwise forgets it and says why. */
async function requireAdmin(c: Credential): Promise<void> {
  const res = await send('GET', '/admin/realms', undefined, c);
  if (res.ok) return setCredential(c);
  if (c.kind === 'token') await send('POST', '/auth/logout', {}, c).catch(() => undefined);
  if (res.status === 403)
    throw new ApiError(403, 'forbidden', 'This account is not an administrator: the console needs the admin role.');
  if (c.kind === 'secret' && res.status === 401)
    throw new ApiError(401, 'invalid-credentials', 'The admin secret is not right.');
  throw await failure(res);
}

/** After the password: signed in, or a ticket for the second factor, with the methods the account has. */
export type SignIn = { done: true } | { done: false; ticket: string; methods: string[] };

/** Step one: email and password. The refresh token goes into the httpOnly cookie (cookie mode). */
export async function signIn(email: string, password: string): Promise<SignIn> {
  const res = await send('POST', '/auth/login', { email, password, cookie: true }, null);
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as SessionReply;
  if (body.mfa && body.ticket) return { done: false, ticket: body.ticket, methods: body.methods ?? ['totp'] };
  await requireAdmin({ kind: 'token', token: body.jwt_token!, email: body.user?.email ?? email });
  return { done: true };
}

/** Step two when the account has MFA: the TOTP (or a recovery) code. */
export async function signInMfa(ticket: string, code: string, email: string): Promise<void> {
  const res = await send('POST', '/auth/mfa/totp', { ticket, code, cookie: true }, null);
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as SessionReply;
  await requireAdmin({ kind: 'token', token: body.jwt_token!, email: body.user?.email ?? email });
}

/** A passkey assertion for these options: modal, or offered in the email field's autofill (`conditional`). */
async function assertion(path: string, body: object, conditional = false) {
  const res = await send('POST', path, body, null);
  if (!res.ok) throw await failure(res);
  const optionsJSON = await res.json();
  return startAuthentication({ optionsJSON, useBrowserAutofill: conditional });
}

/** Sign in with a passkey alone (usernameless); `conditional` waits for the autofill instead of a dialog. */
export async function signInWithPasskey(conditional = false): Promise<void> {
  const credential = await assertion('/auth/webauthn/login/options', {}, conditional);
  const res = await send('POST', '/auth/webauthn/login/verify', { credential, cookie: true }, null);
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as SessionReply;
  await requireAdmin({ kind: 'token', token: body.jwt_token!, email: body.user?.email ?? '' });
}

/** Step two with the account's passkey instead of a code. */
export async function signInPasskeySecondFactor(ticket: string, email: string): Promise<void> {
  const credential = await assertion('/auth/webauthn/second-factor/options', { ticket });
  const res = await send('POST', '/auth/webauthn/second-factor/verify', { ticket, credential, cookie: true }, null);
  if (!res.ok) throw await failure(res);
  const body = (await res.json()) as SessionReply;
  await requireAdmin({ kind: 'token', token: body.jwt_token!, email: body.user?.email ?? email });
}

export { browserSupportsWebAuthnAutofill } from '@simplewebauthn/browser';

/** ADMIN_SECRET typed in: kept in memory only, gone on reload. */
export const signInWithSecret = (secret: string) => requireAdmin({ kind: 'secret', secret });

/** After a reload: the refresh cookie, if any, gives a new access token. */
export async function resume(): Promise<boolean> {
  if (!(await refresh())) return false;
  try {
    await requireAdmin(credential!);
    return true;
  } catch {
    credential = null;
    return false;
  }
}

export async function signOut(): Promise<void> {
  if (credential?.kind === 'token') await send('POST', '/auth/logout', {}, credential).catch(() => undefined);
  setCredential(null);
}

/** Uploads a file's bytes as the request body (`POST /storage/o/<path>`), with the credential of every call. */
export async function uploadFile(path: string, file: File): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': file.type || 'application/octet-stream' };
  if (credential?.kind === 'token') headers.authorization = `Bearer ${credential.token}`;
  if (credential?.kind === 'secret') headers['x-admin-secret'] = credential.secret;
  const res = await fetch(path, { method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw await failure(res);
  return res.json();
}
