import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config/load.js';

/**
 * HBP's cookie mode: beside the refresh token, a signed httpOnly `permission_variables` cookie with the
 * Hasura claims (without the `x-hasura-` prefix), which nhost-js-sdk relies on instead of sending any
 * Authorization header. Unlike HBP's, the cookie names its session, and it is honoured only while that
 * session lives: logout, logout-all, a password change or a ban end it like any other credential.
 */
export const PERMISSION_COOKIE = 'permission_variables';

export interface PermissionVariables {
  'user-id': string;
  'default-role': string;
  'allowed-roles': string[];
  /** The session the cookie belongs to (not in HBP's cookie; clients never read this httpOnly value). */
  'session-id': string;
}

const options = (cookies: Config['cookies']) =>
  ({ path: '/', httpOnly: true, secure: cookies.secure, sameSite: cookies.sameSite, signed: true }) as const;

export function setPermissionCookie(
  reply: FastifyReply,
  cookies: Config['cookies'],
  vars: PermissionVariables,
  expires: Date,
) {
  reply.setCookie(PERMISSION_COOKIE, JSON.stringify(vars), { ...options(cookies), expires });
}

export function clearPermissionCookie(reply: FastifyReply, cookies: Config['cookies']) {
  const { signed: _signed, ...rest } = options(cookies);
  reply.clearCookie(PERMISSION_COOKIE, rest);
}

/** The cookie's variables when its signature holds and its shape is right; a tampered cookie counts as absent. */
export function readPermissionCookie(request: FastifyRequest): PermissionVariables | undefined {
  const raw = request.cookies?.[PERMISSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    const v = JSON.parse(unsigned.value) as Partial<PermissionVariables>;
    const ok =
      typeof v['user-id'] === 'string' &&
      typeof v['session-id'] === 'string' &&
      typeof v['default-role'] === 'string' &&
      Array.isArray(v['allowed-roles']);
    return ok ? (v as PermissionVariables) : undefined;
  } catch {
    return undefined;
  }
}
