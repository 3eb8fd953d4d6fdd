import {
  OperationNodeTransformer,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/**
 * Every difference between SQLite and PostgreSQL that the queries must not see
 * lives in this file: parameter encoding, result decoding, error codes, counts.
 */
export type DialectName = 'sqlite' | 'postgres';

function encode(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** A parameter as the driver of `dialect` binds it. */
export function encodeParameter(dialect: DialectName, value: unknown): unknown {
  return dialect === 'sqlite' ? encode(value) : value;
}

class SqliteValueTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return { ...super.transformValue(node), value: encode(node.value) };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...super.transformPrimitiveValueList(node), values: node.values.map(encode) };
  }
}

/** better-sqlite3 binds neither Date nor boolean: store ISO-8601 text and 0/1. */
export class SqliteValuesPlugin implements KyselyPlugin {
  readonly #transformer = new SqliteValueTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Reads a timestamp column: Date from pg, ISO text from SQLite. */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** Reads a boolean column: boolean from pg, 0/1 from SQLite. */
export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

/** Reads a JSON column: parsed by pg (jsonb), text in SQLite. */
export function toJson<T = Record<string, unknown>>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Counts come back as bigint strings from pg and numbers from SQLite. */
export function toCount(value: unknown): number {
  return Number(value ?? 0);
}

/** True when the error is a unique or primary-key violation, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when the unique violation is on the named column (index names carry the column name). */
export function violatesUniqueOf(err: unknown, column: string): boolean {
  if (!isUniqueViolation(err)) return false;
  const e = err as { constraint?: string; message?: string };
  return Boolean(e.constraint?.includes(column) || e.message?.includes(column));
}

/** True when the error is a foreign-key violation (a referenced row is gone), on either dialect. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * The roles of the row `users` (sorted, comma-separated: role names cannot contain commas) and whether its MFA is
 * on, as two correlated subqueries: the one way every query that returns a user with its roles reads them (a
 * single user, a page of users, a rotation's statement), as SQL text for statements written by hand.
 */
export const USER_EXTRAS_TEXT = {
  postgres: {
    roles: `(select string_agg(r.role, ',' order by r.role) from user_roles r where r.user_id = users.id)`,
    mfa: `exists(select 1 from mfa m where m.user_id = users.id and m.enabled_at is not null)`,
  },
  sqlite: {
    roles: `(select group_concat(role, ',') from (select r.role from user_roles r where r.user_id = users.id
      order by r.role))`,
    mfa: `exists(select 1 from mfa m where m.user_id = users.id and m.enabled_at is not null)`,
  },
} as const;

export function splitRoles(value: string | null | undefined): string[] {
  return value ? value.split(',').sort() : [];
}

/**
 * `column LIKE pattern` where `literal` is matched literally and `%` stands at the given
 * ends. SQLite has no default escape character, so it is named for both dialects.
 */
export function likeLiteral(column: string, literal: string, anywhere: { before: boolean; after: boolean }) {
  const escaped = literal.replace(/[\\%_]/g, (c) => `\\${c}`);
  const pattern = `${anywhere.before ? '%' : ''}${escaped}${anywhere.after ? '%' : ''}`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

/** Column types for migrations. */
export function columnTypes(dialect: DialectName) {
  const pg = dialect === 'postgres';
  return {
    uuid: pg ? 'uuid' : 'text',
    timestamp: pg ? 'timestamptz' : 'text',
    boolean: pg ? 'boolean' : 'integer',
    json: pg ? 'jsonb' : 'text',
    serial: pg ? 'bigserial' : 'integer',
  } as const;
}
