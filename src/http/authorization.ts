import type { FastifyRequest } from 'fastify';

/** An Authorization header split into its scheme (lower-cased) and its credentials (trimmed, maybe empty). */
export interface Authorization {
  scheme: string;
  credentials: string;
}

/**
 * The one reading of an Authorization header (RFC 9110 §11.6.2): `<scheme> <credentials>`. A header of one word
 * is a scheme without credentials; no header, or only blanks, is `undefined`. Every door reads it here.
 */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(value);
  if (!match) return undefined;
  return { scheme: (match[1] as string).toLowerCase(), credentials: match[2]?.trim() ?? '' };
}

/** The request's Authorization header, parsed. */
export const authorizationOf = (request: FastifyRequest) => parseAuthorization(request.headers.authorization);

/** A single-token credential (no blank inside), as Bearer and Impersonate carry. */
export const isToken = (credentials: string) => credentials !== '' && !/\s/.test(credentials);

/** The token of an `Authorization: Bearer <token>` header; `undefined` for none or any other form. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const auth = authorizationOf(request);
  return auth?.scheme === 'bearer' && isToken(auth.credentials) ? auth.credentials : undefined;
}

/**
 * A header that carries a bare token with no scheme (privacyIDEA's `PI-Authorization`, and its `Authorization`):
 * the trimmed value, or `undefined` for none.
 */
export function bareToken(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
}
