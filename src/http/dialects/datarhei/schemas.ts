import { Type } from '@sinclair/typebox';

/** datarhei Core's error body. */
export const DatarheiError = Type.Object(
  { code: Type.Integer(), message: Type.String(), details: Type.Array(Type.String()) },
  { description: "datarhei Core's error body" },
);

const tags = ['datarhei'];
const Tokens = Type.Object({ access_token: Type.String(), refresh_token: Type.String() });

export const aboutSchema = {
  tags,
  summary: "Core's about: the full one with a valid access token, else app, auths and the major version",
  response: {
    200: Type.Object({
      app: Type.String(),
      auths: Type.Array(Type.String()),
      version: Type.Object({ number: Type.String() }),
      name: Type.Optional(Type.String()),
      id: Type.Optional(Type.String()),
      created_at: Type.Optional(Type.String()),
      uptime_seconds: Type.Optional(Type.Integer()),
    }),
  },
};

export const loginSchema = {
  tags,
  summary: "Password login, or (no body) an identity provider's token as Authorization: Bearer",
  body: Type.Union([
    Type.Object({ username: Type.Optional(Type.String()), password: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  response: { 200: Tokens, 400: DatarheiError, 401: DatarheiError, 429: DatarheiError },
};

export const refreshSchema = {
  tags,
  summary: 'A new access token for a refresh token (Authorization: Bearer)',
  response: { 200: Type.Pick(Tokens, ['access_token']), 401: DatarheiError },
};
