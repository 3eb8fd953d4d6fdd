import { Type } from '@sinclair/typebox';
import { ROLE_PATTERN } from '../../../core/users/role.js';

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'Case-insensitive' });
// Generous upper bound: the policy enforces the real limits after NFC normalisation.
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const Role = Type.String({ pattern: ROLE_PATTERN });

export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()]),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
});

export const SessionBody = Type.Object(
  {
    jwt_token: Type.String(),
    jwt_expires_in: Type.Integer({ description: 'Lifetime of jwt_token in milliseconds (as HBP)' }),
    refresh_token: Type.Optional(Type.String({ description: 'Absent in cookie mode' })),
    user: PublicUser,
  },
  { $id: 'Session' },
);

export const UserInfo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()]),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  locale: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  default_role: Type.String(),
  active: Type.Boolean(),
  email_verified: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  mfa: Type.Object({ enabled: Type.Boolean() }),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});

export const Cookie = Type.Optional(
  Type.Boolean({ description: 'Put the refresh token in an httpOnly cookie instead of the body', default: false }),
);

export const MfaChallenge = Type.Object({
  mfa: Type.Literal(true),
  ticket: Type.String({
    description:
      'Send it with a code to POST /auth/mfa/totp, or with a passkey to POST /auth/webauthn/second-factor/verify',
  }),
  methods: Type.Optional(
    Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('webauthn')]), {
      description: 'The second factors this account has',
    }),
  ),
});

export const MagicLinkSent = Type.Object({ magicLink: Type.Literal(true) });

export const Ticket = Type.String({ minLength: 1, maxLength: 512 });

export const Code = Type.String({
  minLength: 6,
  maxLength: 32,
  description: 'A 6-digit TOTP code, or a recovery code',
});
