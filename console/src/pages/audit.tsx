import { useState } from 'preact/hooks';
import { api } from '../api';
import { go, href } from '../router';
import type { AuditEntry } from '../types';
import { Table, type Column } from '../table';
import { Page, Problem, useLoad, when } from '../ui';

const FILTERS = ['actor', 'action', 'door', 'outcome', 'since', 'until'] as const;
const PAGE = 50;

const AUDIT_COLUMNS: Column<AuditEntry>[] = [
  { head: 'When', cell: (e) => when(e.at) },
  { head: 'Actor', cell: (e) => <Who id={e.actor} user={e.actor_user} />, class: 'clip' },
  { head: 'Action', cell: (e) => e.action },
  { head: 'Subject', cell: (e) => <Who id={e.subject} user={e.subject_user} />, class: 'clip' },
  { head: 'Door', cell: (e) => e.door ?? '—' },
  { head: 'Outcome', cell: (e) => <span class={`badge ${e.outcome}`}>{e.outcome}</span> },
  { head: 'IP', cell: (e) => e.ip ?? '—' },
];

/** A user as their name and email, linked to their page; anything else (cli, admin-secret…) as it is. */
function Who({ id, user }: { id: string | null; user?: AuditEntry['actor_user'] }) {
  if (!id) return <>—</>;
  if (!user) return <span title={id}>{id}</span>;
  const name = user.display_name && user.display_name !== user.email ? `${user.display_name} ` : '';
  return (
    <a href={href(['users', id])} title={id}>
      {name ? `${name}<${user.email}>` : user.email}
    </a>
  );
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p>No event.</p>;
  return <Table striped rows={entries} columns={AUDIT_COLUMNS} rowKey={(e) => String(e.id)} />;
}

/** The audit log, newest first, filtered by the URL's query and paged with the server's cursor. */
export function AuditPage({ query }: { query: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [form, setForm] = useState(filters);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1] ?? '';
  const key = query.toString();
  const page = useLoad(() => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const f of FILTERS) {
      const v = filters[f];
      if (v) q.set(f, f === 'since' || f === 'until' ? new Date(v).toISOString() : v);
    }
    if (cursor) q.set('cursor', cursor);
    return api<{ entries: AuditEntry[]; next_cursor: string | null }>('GET', `/admin/audit?${q}`);
  }, [key, cursor]);

  return (
    <Page title="Audit log">
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          go(['audit'], form);
        }}
      >
        {FILTERS.map((f) => (
          <label key={f}>
            {f[0]!.toUpperCase() + f.slice(1)}
            {f === 'since' || f === 'until' ? (
              <input
                name={f}
                type="datetime-local"
                value={form[f]}
                onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
              />
            ) : (
              <input
                name={f}
                type="text"
                value={form[f]}
                onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
              />
            )}
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Problem error={page.error} what="The audit log" />
      {page.data ? <AuditTable entries={page.data.entries} /> : null}
      <div class="row">
        <button
          type="button"
          class="secondary outline"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          class="secondary outline"
          disabled={!page.data?.next_cursor}
          onClick={() => setCursors([...cursors, page.data!.next_cursor!])}
        >
          Older
        </button>
      </div>
    </Page>
  );
}
