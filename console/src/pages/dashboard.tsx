import { api } from '../api';
import { href } from '../router';
import { stateOf, type AdminUser, type AuditEntry, type StorageUsage } from '../types';
import { Table } from '../table';
import { bytes, Page, Problem, useLoad } from '../ui';

const DOORS = ['hbp', 'humhub', 'rocketchat', 'privacyidea', 'datarhei'];
const DAY = 24 * 3600_000;

/** Sign-ins of the last 24 h by door and outcome, read from the audit log (up to 1,000 events, newest first). */
async function signIns() {
  const since = new Date(Date.now() - DAY).toISOString();
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { entries: AuditEntry[]; next_cursor: string | null } = await api(
      'GET',
      `/admin/audit?since=${encodeURIComponent(since)}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    entries.push(...page.entries);
    cursor = page.next_cursor;
  } while (cursor && entries.length < 1000);
  const doors = new Map<string, { success: number; failure: number }>(
    DOORS.map((d) => [d, { success: 0, failure: 0 }]),
  );
  let reuse = 0;
  for (const e of entries) {
    if (/reuse/.test(e.action)) reuse++;
    if (!e.door || !/login|sign.?in|auth/.test(e.action)) continue;
    const row = doors.get(e.door) ?? { success: 0, failure: 0 };
    if (e.outcome === 'success') row.success++;
    else row.failure++;
    doors.set(e.door, row);
  }
  return { doors: [...doors.entries()], reuse, capped: entries.length >= 1000 };
}

export function Dashboard() {
  // The first page of users (the most one holds): the counts say "+" when there are more.
  const page = useLoad(
    () => api<{ users: AdminUser[]; next_cursor: string | null }>('GET', '/admin/users?limit=200'),
    [],
  );
  const users = { ...page, data: page.data?.users };
  const more = Boolean(page.data?.next_cursor);
  const audit = useLoad(signIns, []);
  const storage = useLoad(() => api<StorageUsage>('GET', '/admin/storage/usage'), []);
  const counts = (users.data ?? []).reduce<Record<string, number>>(
    (c, u) => ((c[stateOf(u)] = (c[stateOf(u)] ?? 0) + 1), c),
    {},
  );
  return (
    <Page title="Dashboard">
      <section aria-labelledby="users-head" class="cards">
        <h2 id="users-head" class="visually-hidden">
          Users
        </h2>
        <Problem error={users.error} />
        {[
          ['Users', users.data?.length, ''],
          ['Active', counts.active ?? 0, 'active'],
          ['Inactive', counts.inactive ?? 0, 'inactive'],
          ['Disabled', counts.disabled ?? 0, 'disabled'],
          ['Banned', counts.banned ?? 0, 'banned'],
        ].map(([label, n, state]) => (
          <article key={label}>
            <a href={href(['users'], state ? { state: String(state) } : undefined)}>
              <span class="big">{users.data ? `${n}${more ? '+' : ''}` : '…'}</span>
              <span>{label}</span>
            </a>
          </article>
        ))}
      </section>
      <section aria-labelledby="signins">
        <h2 id="signins">Sign-ins, last 24 hours</h2>
        <Problem error={audit.error} what="The audit log (needed for these figures)" />
        {audit.data ? (
          <>
            <Table
              rows={audit.data.doors}
              rowKey={([door]) => door}
              columns={[
                { head: 'Door', cell: ([door]) => door },
                { head: 'Succeeded', cell: ([, r]) => r.success },
                { head: 'Failed', cell: ([, r]) => r.failure },
              ]}
            />
            <p>
              Refresh-token reuse detections: <strong>{audit.data.reuse}</strong>
              {audit.data.capped ? ' (counted over the newest 1,000 events)' : ''}
            </p>
          </>
        ) : null}
      </section>
      <section aria-labelledby="storage-used">
        <h2 id="storage-used">Storage used</h2>
        <Problem error={storage.error} what="Storage usage" />
        {storage.data ? (
          <>
            <p>
              <strong class="total">{bytes(storage.data.bytes)}</strong> in {storage.data.files} file(s){' '}
              <small class="muted">(from the file records; cached image variants not counted)</small>
            </p>
            <Table
              caption="Storage used by top-level folder"
              hideCaption
              rows={storage.data.folders}
              rowKey={(f) => f.folder}
              columns={[
                {
                  head: 'Folder',
                  cell: (f) => (f.folder ? <a href={href(['storage'], { path: f.folder })}>{f.folder}/</a> : '(root)'),
                },
                { head: 'Size', cell: (f) => bytes(f.bytes) },
                { head: 'Files', cell: (f) => f.files },
              ]}
            />
          </>
        ) : null}
      </section>
    </Page>
  );
}
