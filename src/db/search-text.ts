/**
 * What admin search looks in, as one text per user: the lowercased email and username, a newline apart (neither
 * can hold one). PostgreSQL's trigram index (`users_search_trgm`, migration 0031) is built on exactly this
 * expression, so the query must spell it the same way to be served by it.
 */
export const SEARCH_TEXT = {
  postgres: `lower(email) || chr(10) || coalesce(lower(username), '')`,
  sqlite: `lower(email) || char(10) || coalesce(lower(username), '')`,
} as const;

/** The separator inside SEARCH_TEXT: a term holding it would match across the two parts, so it matches no one. */
export const SEARCH_SEPARATOR = '\n';
