import pg from 'pg';

/** One connection to a source's PostgreSQL, closed when the import ends. */
export async function connectPg(from: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: from });
  await client.connect();
  return client;
}

/**
 * Rows of `select … where <key> > $1 order by <key> limit $2`, a page at a time: memory holds one page, and
 * no long-lived cursor keeps a transaction open on the source.
 */
export async function* keysetPages<T extends Record<string, unknown>>(
  client: pg.Client,
  query: string,
  key: keyof T,
  start: unknown,
  size = 1000,
): AsyncGenerator<T[]> {
  let after = start;
  for (;;) {
    const { rows } = await client.query<T>(query, [after, size]);
    if (!rows.length) return;
    yield rows;
    after = rows[rows.length - 1]![key];
    if (rows.length < size) return;
  }
}

/** Rows of `query` (taking an array of ids as $1), grouped by `by`. */
export async function groupedBy<T extends Record<string, unknown>>(
  client: pg.Client,
  query: string,
  ids: unknown[],
  by: keyof T,
): Promise<Map<unknown, T[]>> {
  const map = new Map<unknown, T[]>();
  for (const row of (await client.query<T>(query, [ids])).rows) {
    const list = map.get(row[by]) ?? [];
    list.push(row);
    map.set(row[by], list);
  }
  return map;
}

/** Whether a table has a column (sources differ between versions). */
export async function hasColumn(client: pg.Client, schema: string, table: string, column: string) {
  const { rowCount } = await client.query(
    'select 1 from information_schema.columns where table_schema = $1 and table_name = $2 and column_name = $3',
    [schema, table, column],
  );
  return (rowCount ?? 0) > 0;
}
