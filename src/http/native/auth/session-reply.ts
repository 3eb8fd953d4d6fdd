import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config/load.js';
import type { Session } from '../../../core/auth/service.js';
import type { User } from '../../../core/users/service.js';
import { clearPermissionCookie, setPermissionCookie } from './permission-cookie.js';
export { actorOf, clientInfo } from '../../client.js';

export const REFRESH_COOKIE = 'refresh_token';
export const DEVICE_COOKIE = 'gatehouse_device';
const AUTH_PATH = '/auth';

export function publicUser(user: User) {
  return { id: user.id, email: user.email, display_name: user.displayName, avatar_url: user.avatarUrl };
}

/** HBP's session body; in cookie mode the refresh token goes into a signed httpOnly cookie instead. */
export function sessionBody(reply: FastifyReply, cookies: Config['cookies'], session: Session, cookieMode: boolean) {
  if (cookieMode) {
    const { user } = session;
    const vars = {
      'user-id': user.id,
      'default-role': user.defaultRole,
      'allowed-roles': user.roles,
      'session-id': session.sessionId,
    };
    setPermissionCookie(reply, cookies, vars, session.refreshExpiresAt);
    reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
      path: AUTH_PATH,
      httpOnly: true,
      secure: cookies.secure,
      sameSite: cookies.sameSite,
      signed: true,
      expires: session.refreshExpiresAt,
    });
  }
  return {
    jwt_token: session.accessToken,
    jwt_expires_in: session.accessExpiresIn * 1000,
    ...(cookieMode ? {} : { refresh_token: session.refreshToken }),
    user: publicUser(session.user),
  };
}

export function clearRefreshCookie(reply: FastifyReply, cookies: Config['cookies']) {
  reply.clearCookie(REFRESH_COOKIE, {
    path: AUTH_PATH,
    httpOnly: true,
    secure: cookies.secure,
    sameSite: cookies.sameSite,
  });
  clearPermissionCookie(reply, cookies);
}

/** The refresh token from the signed cookie; a tampered cookie counts as absent. */
export function refreshCookie(request: FastifyRequest): string | undefined {
  const raw = request.cookies[REFRESH_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** Marks this browser as one that signed in to the account, so account throttling spares it. */
export function setDeviceCookie(reply: FastifyReply, cookies: Config['cookies'], userId: string, deviceId: string) {
  reply.setCookie(DEVICE_COOKIE, `${userId}.${deviceId}`, {
    path: `${AUTH_PATH}/login`,
    httpOnly: true,
    secure: cookies.secure,
    sameSite: cookies.sameSite,
    signed: true,
    maxAge: 365 * 24 * 3600,
  });
}

export function deviceCookie(request: FastifyRequest): { userId: string; id: string } | undefined {
  const raw = request.cookies[DEVICE_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  const [userId, id] = unsigned.valid && unsigned.value ? unsigned.value.split('.') : [];
  return userId && id ? { userId, id } : undefined;
}
