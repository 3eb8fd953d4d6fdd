import type { Queries, TableQueries } from '../db/queries/index.js';
import { derivedUuid } from './ids.js';
import { date, toRow } from './rows.js';
import { importedSessionId } from '../core/tokens/imported-keys.js';
import { fingerprintOfRow, fingerprintOfStored } from './compare.js';
import type { ImportRecord, SigningKeyRecord, SourceItem } from './record.js';
import { checkHash } from './hashes.js';
import { importedHash } from '../core/passwords/imported.js';
import { emptySummary, note, type ImportSummary } from './summary.js';

export type OnConflict = 'skip' | 'update' | 'fail';

/** Token kinds an import writes: HumHub's REST bearer tokens and Rocket.Chat's resume tokens. */
const IMPORTABLE_TOKENS = ['bearer', 'rocketchat'];

export interface WriterOptions {
  queries: Queries;
  /** Seals a TOTP seed as the MFA service stores it. */
  seal: (secret: string) => string;
  now: () => Date;
  onConflict: OnConflict;
  dryRun: boolean;
  batchSize: number;
  /** Stores an old system's signing key (verify-only) until `verifyUntil`. */
  addKey?: (key: SigningKeyRecord, verifyUntil: Date) => Promise<void>;
  /** Called after every batch with what is done so far. */
  progress?: (s: ImportSummary) => void;
}

/** An import stopped by `--on-conflict fail`: the batches before it are written, this one is not. */
export class ImportConflict extends Error {}

/**
 * Writes users in batches, each in one transaction: a batch is read against what the database holds (the
 * same id: compared and updated, skipped or refused; another account with its email, login name or numeric
 * id: a conflict, reported), then written with a few statements per table. Rows that hang off a user (roles,
 * MFA, links, sessions and tokens) are only added, never duplicated: their keys come from the source.
 */
export function createImportWriter(o: WriterOptions) {
  const summary = emptySummary(o.dryRun, o.onConflict);
  /** The doors whose old signing key came over, with the end of its tokens: each user gets a session there. */
  const keyDoors = new Map<string, Date>();

  async function batch(records: ImportRecord[]) {
    const now = o.now();
    const rows = records.map((r) => toRow(r, now));
    const lower = (s: string | null) => s?.toLowerCase() ?? '';
    const holders = await o.queries.imports.holders(
      rows.map((r) => r.id),
      rows.map((r) => r.email),
      rows.map((r) => lower(r.username)).filter(Boolean),
      rows.flatMap((r) => (r.numericId === undefined ? [] : [r.numericId])),
    );
    const stored = new Map((await o.queries.imports.fullRows(holders.map((h) => h.id))).map((u) => [u.id, u]));
    const seen = { email: new Set<string>(), username: new Set<string>(), id: new Set<string>() };
    const created: number[] = [];
    const updated: number[] = [];
    const same: number[] = [];
    for (const [i, row] of rows.entries()) {
      const record = records[i]!;
      const taken = holders.find(
        (h) =>
          h.id !== row.id &&
          (h.email === row.email ||
            (row.username && lower(h.username) === lower(row.username)) ||
            (row.numericId !== undefined && h.numericId === row.numericId)),
      );
      const dup = seen.id.has(row.id) || seen.email.has(row.email) || seen.username.has(lower(row.username));
      if (taken || dup) {
        const reason = !taken
          ? 'duplicate-in-source'
          : taken.email === row.email
            ? 'email-taken'
            : row.username && lower(taken.username) === lower(row.username)
              ? 'username-taken'
              : 'numeric-id-taken';
        note(summary.conflicts, { id: row.id, email: row.email, reason, holder: taken?.id ?? null });
        summary.counts.conflicts++;
        if (o.onConflict === 'fail') throw new ImportConflict(`${row.email}: ${reason}`);
        continue;
      }
      seen.id.add(row.id);
      seen.email.add(row.email);
      if (row.username) seen.username.add(lower(row.username));
      const hash = checkHash(row.passwordHash);
      // A hash of no known form is kept tagged, so a login against it costs what a wrong password costs.
      if (hash === 'unknown') row.passwordHash = importedHash('unsupported', 'unknown', row.passwordHash!);
      if (hash !== 'ok') note(summary.unverifiable, { id: row.id, email: row.email, scheme: hash });
      if (hash !== 'ok') summary.counts.unverifiable++;
      const existing = stored.get(row.id);
      if (!existing) {
        created.push(i);
        continue;
      }
      // A password changed or upgraded since (argon2id) is newer than the one being imported.
      if (existing.password_hash?.startsWith('$argon2')) row.passwordHash = existing.password_hash;
      if (!row.passwordDigestHash) row.passwordDigestHash = existing.password_digest_hash;
      row.numericId = Number(existing.numeric_id);
      if (fingerprintOfRow(row, record.roles) === fingerprintOfStored(existing)) same.push(i);
      else if (o.onConflict === 'update') updated.push(i);
      else if (o.onConflict === 'skip') summary.counts.skipped++;
      else throw new ImportConflict(`${row.email}: already imported, and changed since`);
    }
    summary.counts.created += created.length;
    summary.counts.updated += updated.length;
    summary.counts.unchanged += same.length;
    if (o.dryRun) return;
    // Tokens and links of unchanged users too: one issued since the last run comes over, the others stay as they are.
    const written = [...created, ...updated, ...same];
    await o.queries.transaction(async (q) => {
      await q.imports.relaxCommit();
      await q.imports.addRealms([...new Set(written.map((i) => rows[i]!.realm))], now);
      await q.imports.insertUsers(created.map((i) => rows[i]!));
      for (const i of updated) {
        await q.imports.updateUser(rows[i]!);
        await q.imports.replaceRoles(rows[i]!.id, records[i]!.roles);
      }
      await writeAttached(
        q,
        created.map((i) => records[i]!),
        now,
      );
      await writeAttached(
        q,
        written.map((i) => records[i]!),
        now,
        true,
      );
      if (created.some((i) => rows[i]!.numericId !== undefined)) await q.imports.advanceNumericIds();
    });
  }

  /** Roles of new users; then, for every written user, what hangs off it (added only when new). */
  async function writeAttached(q: TableQueries, records: ImportRecord[], now: Date, tokens = false) {
    if (!tokens) {
      await q.imports.addRoles(records.flatMap((r) => r.roles.map((role) => ({ user_id: r.id, role }))));
      return;
    }
    const mfa = records.flatMap((r) =>
      r.mfa?.secret
        ? [{ user_id: r.id, secret: o.seal(r.mfa.secret), enabled_at: date(r.mfa.enabledAt), created_at: now }]
        : [],
    );
    await q.imports.addMfa(mfa);
    await q.imports.addIdentities(
      records.flatMap((r) =>
        (r.identities ?? []).map((i) => ({
          provider: i.provider,
          subject: i.subject,
          user_id: r.id,
          email: i.email ?? null,
          login: i.login ?? null,
          created_at: now,
        })),
      ),
    );
    await q.imports.addPasskeys(
      records.flatMap((r) =>
        (r.securityKeys ?? []).map((k) => ({
          id: derivedUuid('passkey', k.credentialId),
          credential_id: k.credentialId,
          user_id: r.id,
          public_key: k.publicKey,
          counter: k.counter,
          transports: k.transports ?? null,
          nickname: k.nickname ?? null,
          created_at: now,
        })),
      ),
    );
    const live = (expires: Date | null) => expires === null || expires > now;
    const refresh = records.flatMap((r) =>
      (r.refreshTokens ?? []).filter((t) => live(new Date(t.expiresAt))).map((t) => ({ r, t })),
    );
    // Only the kinds a source can bring: an impersonation token, say, is never imported.
    const resume = records.flatMap((r) =>
      (r.apiTokens ?? [])
        .filter((t) => IMPORTABLE_TOKENS.includes(t.kind) && live(date(t.expiresAt)))
        .map((t) => ({ r, t })),
    );
    const sessionOf = (hash: string) => derivedUuid('session', hash);
    await q.imports.addSessions([
      ...refresh.map(({ r, t }) => ({
        id: sessionOf(t.hash),
        user_id: r.id,
        door: 'hbp',
        created_at: date(t.createdAt, now)!,
        expires_at: new Date(t.expiresAt),
        ip: null,
        user_agent: null,
      })),
      ...resume
        .filter(({ t }) => t.kind === 'rocketchat')
        .map(({ r, t }) => ({
          id: sessionOf(t.hash),
          user_id: r.id,
          door: 'rocketchat',
          created_at: date(t.createdAt, now)!,
          expires_at: date(t.expiresAt) ?? new Date(now.getTime() + 90 * 86_400_000),
          ip: null,
          user_agent: null,
        })),
    ]);
    await q.imports.addRefreshTokens(
      refresh.map(({ r, t }) => ({
        hash: t.hash,
        family_id: sessionOf(t.hash),
        user_id: r.id,
        replaced_by: null,
        rotated_at: null,
        expires_at: new Date(t.expiresAt),
        revoked_at: null,
        created_at: date(t.createdAt, now)!,
        user_agent: null,
        ip: null,
      })),
    );
    await q.imports.addApiTokens(
      resume.map(({ r, t }) => ({
        hash: t.hash,
        id: derivedUuid('api-token', t.hash),
        user_id: r.id,
        kind: t.kind,
        name: t.name ?? null,
        expires_at: date(t.expiresAt),
        last_used_at: null,
        revoked_at: null,
        created_at: date(t.createdAt, now)!,
        session_id: t.kind === 'rocketchat' ? sessionOf(t.hash) : null,
        issuer_id: null,
      })),
    );
    // The session the old system's tokens belong to at each door whose key came over (ended ones stay ended).
    const imported = records.flatMap((r) =>
      [...keyDoors].map(([door, until]) => ({ id: importedSessionId(door, r.id), user_id: r.id, door, until })),
    );
    await q.imports.addImportedSessions(imported, now);
    summary.counts.sessions += imported.length;
    summary.counts.sessions += refresh.length + resume.filter(({ t }) => t.kind === 'rocketchat').length;
    summary.counts.tokens += refresh.length + resume.length;
  }

  return {
    summary,
    /** Reads the source to its end, a batch at a time (memory stays that of one batch). */
    async run(items: AsyncIterable<SourceItem>): Promise<ImportSummary> {
      let pending: ImportRecord[] = [];
      const flush = async () => {
        if (!pending.length) return;
        const records = pending;
        pending = [];
        await batch(records);
        o.progress?.(summary);
      };
      for await (const item of items) {
        if ('warning' in item) {
          note(summary.warnings, item.warning);
          continue;
        }
        if ('signingKey' in item) {
          const until = new Date(o.now().getTime() + item.signingKey.lifetimeSeconds * 1000);
          if (!o.dryRun) await o.addKey?.(item.signingKey, until);
          keyDoors.set(item.signingKey.door, until);
          summary.counts.keys++;
          continue;
        }
        if ('realm' in item) {
          if (!o.dryRun) await o.queries.imports.addRealms([item.realm], o.now());
          continue;
        }
        summary.counts.read++;
        if ('skip' in item) {
          summary.counts.skippedRows++;
          note(summary.warnings, item.skip);
          continue;
        }
        for (const w of item.warnings ?? []) note(summary.warnings, w);
        pending.push(item.user);
        if (pending.length >= o.batchSize) await flush();
      }
      await flush();
      return summary;
    },
  };
}
