import { Type } from '@sinclair/typebox';

export const tags = ['hasura-auth'];
const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Email = Type.String({ format: 'email', maxLength: 254 });
// Generous bound: the password policy enforces the real limits.
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Role = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 });

/** `options` of sign-up and passwordless sign-in (hasura-auth's SignUpOptions). */
export const SignUpOptions = Type.Object({
  allowedRoles: Type.Optional(Type.Array(Role, { maxItems: 50 })),
  defaultRole: Type.Optional(Role),
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  locale: Type.Optional(Type.String({ maxLength: 16 })),
  metadata: Type.Optional(Metadata),
  redirectTo: Type.Optional(Type.String({ maxLength: 2048 })),
});
export const RedirectOptions = Type.Object({ redirectTo: Type.Optional(Type.String({ maxLength: 2048 })) });

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    displayName: Type.String(),
    avatarUrl: Type.String(),
    locale: Type.String(),
    email: nullable(Type.String()),
    isAnonymous: Type.Boolean(),
    defaultRole: Type.String(),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    emailVerified: Type.Boolean(),
    phoneNumber: Type.Null(),
    phoneNumberVerified: Type.Boolean(),
    activeMfaType: nullable(Type.String()),
    roles: Type.Array(Type.String()),
  },
  { description: "hasura-auth's User" },
);

export const Session = Type.Object(
  {
    accessToken: Type.String(),
    accessTokenExpiresIn: Type.Integer({ description: 'Seconds' }),
    refreshToken: Type.String(),
    refreshTokenId: Type.String(),
    user: User,
  },
  { description: "hasura-auth's Session" },
);

export const SessionPayload = Type.Object({ session: Type.Union([Session, Type.Null()]) });
export const SignInReply = Type.Object({
  session: Type.Union([Session, Type.Null()]),
  mfa: Type.Union([Type.Object({ ticket: Type.String() }), Type.Null()]),
});
export const Ok = Type.Literal('OK', { description: 'The JSON string "OK"' });
