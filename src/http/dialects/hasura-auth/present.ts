import type { Session } from '../../../core/auth/service.js';
import type { User } from '../../../core/users/service.js';

/** hasura-auth's MFA ticket: its clients refuse any other shape than `mfaTotp:<uuid>`. */
export const MFA_TICKET_PREFIX = 'mfaTotp:';

/** hasura-auth's `User`: camelCase, a phone it never has here, the active MFA type. */
export function hasuraUser(user: User) {
  return {
    id: user.id,
    createdAt: user.createdAt.toISOString(),
    displayName: user.displayName ?? user.email,
    avatarUrl: user.avatarUrl ?? '',
    locale: user.locale ?? 'en',
    // An anonymous user's placeholder address is nobody's: hasura-auth shows none.
    email: user.anonymous ? null : user.email,
    isAnonymous: user.anonymous,
    defaultRole: user.defaultRole,
    metadata: user.metadata,
    emailVerified: user.emailVerified,
    phoneNumber: null,
    phoneNumberVerified: false,
    activeMfaType: user.mfaEnabled ? 'totp' : null,
    roles: user.roles,
  };
}

/** hasura-auth's `Session`: the same access JWT and refresh token as every HBP session. */
export function hasuraSession(session: Session) {
  return {
    accessToken: session.accessToken,
    accessTokenExpiresIn: session.accessExpiresIn,
    refreshToken: session.refreshToken,
    refreshTokenId: session.sessionId,
    user: hasuraUser(session.user),
  };
}
