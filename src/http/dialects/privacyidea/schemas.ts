import { Type, type TSchema } from '@sinclair/typebox';

/** privacyIDEA's JSON-RPC-like answer around a result. */
const Envelope = <R extends TSchema>(result: R, description: string) =>
  Type.Object(
    {
      jsonrpc: Type.String(),
      id: Type.Integer(),
      time: Type.Number(),
      version: Type.String(),
      versionnumber: Type.String(),
      result,
    },
    { description },
  );

export const PrivacyideaError = Envelope(
  Type.Object({ status: Type.Literal(false), error: Type.Object({ code: Type.Integer(), message: Type.String() }) }),
  "privacyIDEA's error (4031… for authentication failures)",
);

const tags = ['privacyidea'];

export const authSchema = {
  tags,
  summary: 'Password (+ appended OTP) login in a realm: a JWT with role and rights',
  body: Type.Union([
    Type.Object({
      username: Type.Optional(Type.String({ description: 'Login name, or name@realm' })),
      password: Type.Optional(
        Type.String({ description: 'The password, with the current OTP appended for users with MFA' }),
      ),
      realm: Type.Optional(Type.String()),
    }),
    Type.Null(),
  ]),
  response: {
    200: Envelope(
      Type.Object({
        status: Type.Literal(true),
        authentication: Type.Literal('ACCEPT'),
        value: Type.Object({
          token: Type.String(),
          role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
          username: Type.String(),
          realm: Type.String(),
          rights: Type.Array(Type.String()),
          menus: Type.Array(Type.String()),
          auth: Type.Boolean(),
        }),
      }),
      'The JWT and the web UI settings',
    ),
    400: PrivacyideaError,
    401: PrivacyideaError,
    429: PrivacyideaError,
  },
};

export const rightsSchema = {
  tags,
  summary: 'Token types the caller may enroll (PI-Authorization or Authorization: the JWT)',
  response: {
    200: Envelope(
      Type.Object({ status: Type.Literal(true), value: Type.Record(Type.String(), Type.String()) }),
      'Token type → description',
    ),
    401: PrivacyideaError,
  },
};

export const registerStatusSchema = {
  tags,
  summary: 'Whether self-registration is open here (never: Gatehouse registers through its own API)',
  response: {
    200: Envelope(Type.Object({ status: Type.Literal(true), value: Type.Boolean() }), 'Always false'),
  },
};

/** One user as privacyIDEA's `get_user_list` lists them. */
const PiUser = Type.Object({
  username: Type.String(),
  userid: Type.String(),
  givenname: Type.String(),
  surname: Type.String(),
  email: Type.String(),
  phone: Type.String(),
  mobile: Type.String(),
  description: Type.String(),
  editable: Type.Boolean(),
  resolver: Type.String(),
});

export const userListSchema = {
  tags,
  summary: "The caller's own user record (a privacyIDEA user's GET /user/; administrators are not served a list here)",
  querystring: Type.Object({ user: Type.Optional(Type.String()), realm: Type.Optional(Type.String()) }),
  response: {
    200: Envelope(Type.Object({ status: Type.Literal(true), value: Type.Array(PiUser) }), "The caller's record"),
    401: PrivacyideaError,
    404: PrivacyideaError,
  },
};
