import { useState } from 'preact/hooks';
import { api } from '../api';
import { Facts, Table } from '../table';
import type { SignInSources } from '../types';
import { Problem, SecretOnce, useAction, useLoad, when } from '../ui';

/** Where the user signs in from: the realm (local, or the LDAP directory behind it) and the linked outside accounts. */
export function UserSignInSources({ id, realm }: { id: string; realm: string }) {
  const sources = useLoad(() => api<SignInSources>('GET', `/admin/users/${id}/providers`), [id, realm]);
  const d = sources.data;
  return (
    <section aria-labelledby="sources">
      <h2 id="sources">Realm source and linked providers</h2>
      <Problem error={sources.error} what="Listing linked providers" />
      {d ? (
        <>
          <Facts
            rows={[
              ['Realm', d.realm.name],
              [
                'Realm source',
                d.realm.directory ? `LDAP directory ${d.realm.directory.url}` : 'local (Gatehouse’s own users)',
              ],
              ...(d.realm.directory
                ? [
                    [
                      'Directory configured in',
                      `${d.realm.directory.configured_in === 'file' ? 'DIRECTORIES_FILE' : 'the admin API'}${d.realm.directory.default ? ' (the default directory)' : ''}`,
                    ] as [string, string],
                  ]
                : []),
            ]}
          />
          <Table
            caption="Linked providers"
            hideCaption
            rows={d.providers}
            rowKey={(p) => p.provider}
            empty="No linked provider: the user signs in with a password or a link."
            columns={[
              { head: 'Provider', cell: (p) => (p.kind === 'directory' ? `${p.provider} (directory)` : p.provider) },
              { head: 'Email there', cell: (p) => p.email ?? '—' },
              { head: 'Linked', cell: (p) => when(p.linked_at) },
              { head: 'Last used', cell: (p) => when(p.last_used_at) },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}

/** HumHub impersonation: a token that acts as the user against HumHub's API, shown once. */
export function Impersonate({ id }: { id: string }) {
  const action = useAction();
  const [issued, setIssued] = useState<{ token: string; expires_at: string } | null>(null);
  return (
    <section aria-labelledby="impersonate">
      <h2 id="impersonate">Impersonation</h2>
      <Problem error={action.error} what="Impersonation" />
      {issued ? (
        <SecretOnce
          label="Impersonation token (shown once: copy it now)"
          name="impersonation-token"
          value={issued.token}
          onDone={() => setIssued(null)}
        >
          <p>
            Valid until {when(issued.expires_at)}. Use it against HumHub’s API:{' '}
            <code>
              curl -H 'Authorization: Impersonate {issued.token}' {location.origin}/api/v1/auth/current
            </code>
          </p>
        </SecretOnce>
      ) : (
        <p class="muted">
          A token that acts as this user against HumHub’s API (<code>/api/v1/…</code>). A new one voids the previous
          ones.
        </p>
      )}
      <button
        type="button"
        class="secondary"
        aria-busy={action.busy}
        onClick={() =>
          void action.run(async () =>
            setIssued(await api<{ token: string; expires_at: string }>('POST', `/admin/users/${id}/impersonate`)),
          )
        }
      >
        Impersonate (HumHub token)
      </button>
    </section>
  );
}
