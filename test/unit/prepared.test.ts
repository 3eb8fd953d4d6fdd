import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { NAMED_STATEMENT, prepare } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/types.js';

// Kysely with no database behind it: prepare only compiles.
const sqlite = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});
const postgres = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

type Claim = { hash: string; now: Date; graceStart: Date };
const claim = (db: Kysely<Database>) => (p: Claim) =>
  db
    .updateTable('refresh_tokens')
    .set({ rotated_at: p.now })
    .where('hash', '=', p.hash)
    .where('expires_at', '>', p.now)
    .where('rotated_at', '>', p.graceStart)
    .where('revoked_at', 'is', null);

describe('prepared statements with named parameters', () => {
  it('puts each named value where the query used it, however often and in whatever order', () => {
    const statement = prepare<Claim, never>('postgres', claim(postgres));
    const now = new Date('2030-01-01T00:00:00Z');
    const graceStart = new Date('2029-12-31T23:59:00Z');
    expect(statement.parameters({ graceStart, hash: 'h', now })).toEqual([now, 'h', now, graceStart]);
  });

  it('names the statement on PostgreSQL only, and encodes values for SQLite', () => {
    const onPostgres = prepare<Claim, never>('postgres', claim(postgres));
    const onSqlite = prepare<Claim, never>('sqlite', claim(sqlite));
    expect(onPostgres.sql.startsWith(NAMED_STATEMENT)).toBe(true);
    expect(onSqlite.sql.startsWith(NAMED_STATEMENT)).toBe(false);
    const now = new Date('2030-01-01T00:00:00Z');
    const [first] = onSqlite.parameters({ hash: 'h', now, graceStart: now });
    expect(first).not.toBeInstanceOf(Date);
  });

  it('keeps a constant of the query as it is', () => {
    const statement = prepare<{ id: string }, never>('postgres', (p) =>
      postgres.updateTable('sessions').set({ door: 'hbp' }).where('id', '=', p.id),
    );
    expect(statement.parameters({ id: 's1' })).toEqual(['hbp', 's1']);
  });
});
