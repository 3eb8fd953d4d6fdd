import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;

export interface SetupLinksTable {
  /** SHA-256 of the setup link's token. */
  hash: string;
  expires_at: Timestamp;
  created_at: Timestamp;
  /** Set while the link is being used to create the first admin. */
  claimed_until: NullableTimestamp;
}
