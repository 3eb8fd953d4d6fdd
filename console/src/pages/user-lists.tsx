import { useState } from 'preact/hooks';
import { api } from '../api';
import type { AuditEntry, SessionInfo, TokenInfo } from '../types';
import { Table } from '../table';
import { Problem, SecretOnce, Status, useAction, useLoad, when } from '../ui';
import { AuditTable } from './audit';

/** A user's live sessions; read again whenever the account's state (`state`) changes, since that ends them. */
export function UserSessions({ id, state }: { id: string; state: string }) {
  // The newest 200 (one page, the most the API gives at once): more are rare, and ended all at once below.
  const sessions = useLoad(
    () => api<{ sessions: SessionInfo[] }>('GET', `/admin/users/${id}/sessions?limit=200`).then((p) => p.sessions),
    [id, state],
  );
  const action = useAction();
  const end = (path: string, msg: string) => void action.run(() => api('DELETE', path), msg).then(sessions.reload);
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      <Problem error={sessions.error} what="Listing sessions" />
      <Problem error={action.error} />
      <Status done={action.done} />
      {sessions.data ? (
        <>
          <Table
            rows={sessions.data}
            rowKey={(s) => s.id}
            columns={[
              { head: 'Door', cell: (s) => s.door },
              { head: 'Started', cell: (s) => when(s.created_at) },
              { head: 'Last seen', cell: (s) => when(s.last_seen_at) },
              { head: 'IP', cell: (s) => s.ip ?? '—' },
              { head: 'Client', class: 'clip', cell: (s) => s.user_agent ?? '—' },
              {
                head: 'Actions',
                hideHead: true,
                cell: (s) => (
                  <button
                    type="button"
                    class="outline secondary small"
                    onClick={() => end(`/admin/users/${id}/sessions/${s.id}`, 'Session ended.')}
                  >
                    End
                  </button>
                ),
              },
            ]}
          />
          <p>{sessions.data.length === 0 ? 'No live session.' : `${sessions.data.length} live session(s).`}</p>
          {sessions.data.length > 0 ? (
            <button
              type="button"
              class="secondary"
              onClick={() => end(`/admin/users/${id}/sessions`, 'Every session ended.')}
            >
              End every session
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

export function UserTokens({ id }: { id: string }) {
  const tokens = useLoad(
    () => api<{ tokens: TokenInfo[] }>('GET', `/admin/users/${id}/tokens?limit=200`).then((p) => p.tokens),
    [id],
  );
  const action = useAction();
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  return (
    <section aria-labelledby="tokens">
      <h2 id="tokens">Bearer tokens</h2>
      <Problem error={tokens.error} />
      <Problem error={action.error} />
      <Status done={action.done} />
      {created ? (
        <SecretOnce
          label="New token (shown once: copy it now)"
          name="created-token"
          value={created}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <Table
        rows={tokens.data ?? []}
        rowKey={(t) => t.id}
        columns={[
          { head: 'Name', cell: (t) => t.name ?? '—' },
          { head: 'Created', cell: (t) => when(t.created_at) },
          { head: 'Expires', cell: (t) => when(t.expires_at) },
          { head: 'State', cell: (t) => (t.revoked ? 'revoked' : 'live') },
          {
            head: 'Actions',
            hideHead: true,
            cell: (t) =>
              t.revoked ? null : (
                <button
                  type="button"
                  class="outline secondary small"
                  aria-label={`Revoke ${t.name ?? 'token'}`}
                  onClick={() =>
                    void action.run(() => api('DELETE', `/admin/tokens/${t.id}`), 'Token revoked.').then(tokens.reload)
                  }
                >
                  Revoke
                </button>
              ),
          },
        ]}
      />
      <form
        aria-label="Create a bearer token"
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void action
            .run(async () => {
              const t = await api<{ token: string }>('POST', `/admin/users/${id}/tokens`, {
                name,
                ...(days ? { expires_in_days: Number(days) } : {}),
              });
              setCreated(t.token);
              setName('');
            })
            .then(tokens.reload);
        }}
      >
        <label>
          Token name
          <input
            name="token-name"
            required
            maxLength={100}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          Days valid (empty: no expiry)
          <input
            name="token-days"
            type="number"
            min={1}
            max={3650}
            value={days}
            onInput={(e) => setDays(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Create token</button>
      </form>
    </section>
  );
}

export function UserAudit({ id, email }: { id: string; email: string }) {
  // The audit API filters by actor; events about the user (subject) are picked from the newest 200.
  const events = useLoad(async () => {
    const [asActor, recent] = await Promise.all([
      api<{ entries: AuditEntry[] }>('GET', `/admin/audit?actor=${id}&limit=20`),
      api<{ entries: AuditEntry[] }>('GET', '/admin/audit?limit=200'),
    ]);
    const seen = new Set<string>();
    return [...asActor.entries, ...recent.entries.filter((e) => e.subject === id || e.subject === email)]
      .filter((e) => !seen.has(e.id) && seen.add(e.id))
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, 20);
  }, [id, email]);
  return (
    <section aria-labelledby="recent">
      <h2 id="recent">Recent audit events</h2>
      <Problem error={events.error} what="The audit log" />
      {events.data ? <AuditTable entries={events.data} /> : null}
    </section>
  );
}
