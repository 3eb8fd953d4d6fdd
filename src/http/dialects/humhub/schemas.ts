import { Type } from '@sinclair/typebox';

/** Yii's error body, which every HumHub route but the login answers. */
export const YiiError = Type.Object(
  { name: Type.String(), message: Type.String(), code: Type.Integer(), status: Type.Integer() },
  { description: "Yii's error body" },
);
/** The login route's own error body. */
export const LoginErrorBody = Type.Object(
  { code: Type.Integer(), message: Type.String() },
  { description: "HumHub's login error" },
);

const tags = ['humhub'];
const nullableString = Type.Union([Type.String(), Type.Null()]);

export const LoginBody = Type.Union([
  Type.Object({
    username: Type.Optional(Type.String({ description: 'Username or email' })),
    email: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  }),
  Type.Null(),
]);

const CurrentUser = Type.Object({
  id: Type.Integer(),
  guid: Type.String(),
  display_name: Type.String(),
  url: Type.String(),
  account: Type.Object({
    id: Type.Integer(),
    guid: Type.String(),
    username: Type.String(),
    email: Type.String(),
    visibility: Type.Integer(),
    status: Type.Integer({ description: '1 enabled, 0 disabled, 2 waiting for approval' }),
    tags: Type.String(),
    language: Type.String(),
    time_zone: Type.String(),
    contentcontainer_id: Type.Integer(),
    authclient: Type.String(),
    authclient_id: nullableString,
    last_login: nullableString,
  }),
  profile: Type.Object({
    firstname: Type.String(),
    lastname: Type.String(),
    image_url: Type.String(),
    banner_url: Type.String(),
  }),
});

export const loginSchema = {
  tags,
  summary: 'JWT login (username or email, and password)',
  body: LoginBody,
  response: {
    200: Type.Object({
      code: Type.Integer(),
      message: Type.String(),
      auth_token: Type.String(),
      expired_at: Type.Integer(),
    }),
    // A refused login in the login shape; a body that is not JSON in Yii's.
    400: Type.Union([LoginErrorBody, YiiError]),
    401: LoginErrorBody,
    404: YiiError,
    429: LoginErrorBody,
  },
};

export const currentSchema = {
  tags,
  summary: 'The signed-in user (JWT, bearer token, ?access-token=, Basic or Impersonate)',
  querystring: Type.Object({
    'access-token': Type.Optional(Type.String({ description: 'A bearer token (HUMHUB_QUERY_TOKEN=true)' })),
  }),
  response: { 200: CurrentUser, 401: YiiError, 429: YiiError },
};

export const impersonateSchema = {
  tags,
  summary: 'An impersonation token for a user (admins)',
  body: Type.Union([
    Type.Object({
      userId: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'Numeric id or guid' })),
    }),
    Type.Null(),
  ]),
  response: {
    200: Type.Object({ token: Type.String(), expires: Type.Integer() }),
    401: YiiError,
    403: YiiError,
    404: YiiError,
    429: YiiError,
  },
};
