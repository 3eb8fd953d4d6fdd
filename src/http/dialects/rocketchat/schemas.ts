import { Type } from '@sinclair/typebox';
import { avatarResponses } from '../avatar.js';

/** Rocket.Chat's error body; the two-factor answers add `details`. */
export const RocketchatError = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    status: Type.Optional(Type.Literal('error')),
    message: Type.Optional(Type.String()),
    details: Type.Optional(Type.Object({ method: Type.String(), availableMethods: Type.Array(Type.String()) })),
  },
  { description: "Rocket.Chat's error body" },
);

const tags = ['rocketchat'];
const Digest = Type.Object({
  digest: Type.String({ description: 'SHA-256 of the password, hex' }),
  algorithm: Type.Literal('sha-256'),
});

export const LoginBody = Type.Union([
  Type.Object({
    user: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Object({ username: Type.Optional(Type.String()), email: Type.Optional(Type.String()) }),
      ]),
    ),
    username: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    password: Type.Optional(Type.Union([Type.String(), Digest])),
    resume: Type.Optional(Type.String({ description: 'An auth token: signs in again with it' })),
    code: Type.Optional(
      Type.String({ description: 'The TOTP code of a user with two-factor authentication (or X-2FA-Code)' }),
    ),
  }),
  Type.Null(),
]);

const Me = Type.Object({
  _id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  emails: Type.Array(Type.Object({ address: Type.String(), verified: Type.Boolean() })),
  email: Type.Optional(Type.String({ description: 'The first verified address (absent when none is verified)' })),
  status: Type.String(),
  active: Type.Boolean(),
  roles: Type.Array(Type.String()),
  services: Type.Object({}),
  avatarUrl: Type.String(),
  utcOffset: Type.Number(),
});

export const loginSchema = {
  tags,
  summary: 'Password login (user or username/email, password or digest; code for two-factor), or resume with a token',
  body: LoginBody,
  response: {
    200: Type.Object({
      status: Type.Literal('success'),
      data: Type.Object({ userId: Type.String(), authToken: Type.String(), me: Me }),
      success: Type.Literal(true),
    }),
    400: RocketchatError,
    401: RocketchatError,
    429: RocketchatError,
  },
};

export const meSchema = {
  tags,
  summary: 'The signed-in user (X-User-Id, X-Auth-Token)',
  response: { 200: Type.Intersect([Me, Type.Object({ success: Type.Literal(true) })]), 401: RocketchatError },
};

export const logoutSchema = {
  tags,
  summary: "Ends the token's session (X-User-Id, X-Auth-Token)",
  response: {
    200: Type.Object({ status: Type.Literal('success'), data: Type.Object({ message: Type.String() }) }),
    401: RocketchatError,
  },
};

export const avatarSchema = {
  tags,
  summary: "A user's avatar: their picture, or initials for any name (as Rocket.Chat, which draws one for every name)",
  params: Type.Object({ username: Type.String({ maxLength: 256 }) }),
  response: avatarResponses(RocketchatError),
};
