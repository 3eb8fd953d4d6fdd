/**
 * What admin search looks in, as one text per user: the lowercased email and username, a newline apart (neither
 * can hold one). PostgreSQL's trigram index (`users_search_trgm`, migration 0031) is built on exactly this
 * expression, so the query must spell it the same way to be served by it.
 */
export const SEARCH_TEXT = {
  postgres: `lower(email) || chr(10) || coalesce(lower(username), '')`,
  sqlite: `lower(email) || char(10) || coalesce(lower(username), '')`,
} as const;

/**
 * PostgreSQL: the list order (numeric id) as the leading key of `users_search_covering` (migration 0034), which
 * holds `SEARCH_TEXT` in that order for an index-only walk. A search that walks in list order orders by this
 * expression, which no other index delivers, so that the planner cannot trade the walk for one of `users_numeric_id`
 * (which reads every row and computes its text). The same order: numeric ids are whole numbers.
 */
export const LIST_KEY = 'numeric_id + 0';

/** The name of the index of migration 0034 (see LIST_KEY). */
export const SEARCH_COVERING = 'users_search_covering';

/** The separator inside SEARCH_TEXT: a term holding it would match across the two parts, so it matches no one. */
export const SEARCH_SEPARATOR = '\n';

/** A search term shorter than this (in characters) has no trigram: it matches the start of the email or username. */
export const SHORT_TERM = 3;

/**
 * The first `length` characters of the lowercased email or username: the leading expression of migration 0032's
 * indexes `(expression, numeric_id)`. Spelled the same on both databases, with the length written out (SQLite
 * matches an index's expression only when the query's is the same, literals included).
 */
export const startOf = (column: 'email' | 'username', length: number) => `substr(lower(${column}), 1, ${length})`;

/** The four indexes of migration 0032: a term of one or two characters, in the email or the username. */
export const START_INDEXES = (['email', 'username'] as const).flatMap((column) =>
  [1, 2].map((length) => ({ name: `users_${column}_start${length}`, column, length })),
);
