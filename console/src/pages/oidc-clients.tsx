import { useState } from 'preact/hooks';
import { api } from '../api';
import { Page, Problem, SecretOnce, Status, useAction, useLoad, when } from '../ui';

interface Client {
  client_id: string;
  name: string;
  public: boolean;
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  allowed_roles: string[];
  trusted: boolean;
  backchannel_logout_uri: string | null;
  read_only: boolean;
  created_at: string;
}

type WithSecret = { client: Client; client_secret?: string };

const GRANTS = [
  ['authorization_code', 'Authorization code'],
  ['refresh_token', 'Refresh token'],
  ['client_credentials', 'Client credentials'],
  ['urn:ietf:params:oauth:grant-type:device_code', 'Device code'],
] as const;

/** What the create and edit forms hold; lists are typed one per line (URIs) or comma-separated (roles). */
interface Draft {
  client_id: string;
  name: string;
  public: boolean;
  redirect_uris: string;
  grant_types: string[];
  allowed_roles: string;
  trusted: boolean;
}

const EMPTY: Draft = {
  client_id: '',
  name: '',
  public: false,
  redirect_uris: '',
  grant_types: ['authorization_code', 'refresh_token'],
  allowed_roles: '',
  trusted: false,
};

const lines = (text: string) =>
  text
    .split(/[\n,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const draftOf = (c: Client): Draft => ({
  client_id: c.client_id,
  name: c.name,
  public: c.public,
  redirect_uris: c.redirect_uris.join('\n'),
  grant_types: c.grant_types,
  allowed_roles: c.allowed_roles.join(', '),
  trusted: c.trusted,
});

/** The admin API's body for a draft; an edit keeps what the form does not show. */
const bodyOf = (d: Draft, kept?: Client) => ({
  name: d.name,
  ...(kept ? {} : d.client_id ? { client_id: d.client_id } : {}),
  public: kept ? kept.public : d.public,
  ...(kept && !kept.public ? { token_endpoint_auth_method: kept.token_endpoint_auth_method } : {}),
  redirect_uris: lines(d.redirect_uris),
  grant_types: d.grant_types,
  allowed_roles: lines(d.allowed_roles),
  trusted: d.trusted,
  ...(kept
    ? { post_logout_redirect_uris: kept.post_logout_redirect_uris, backchannel_logout_uri: kept.backchannel_logout_uri }
    : {}),
});

/** The OpenID Connect clients of the identity provider: list, create (secret shown once), edit, rotate, delete. */
export function OidcClientsPage() {
  const list = useLoad(() => api<{ clients: Client[] }>('GET', '/admin/oidc/clients'), []);
  const action = useAction();
  const [secret, setSecret] = useState<{ id: string; value: string } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const shown = (r: WithSecret) => r.client_secret && setSecret({ id: r.client.client_id, value: r.client_secret });
  return (
    <Page title="OIDC clients">
      <p>
        <small>
          The applications that sign users in through Gatehouse as their OpenID Connect provider. Redirect URIs match
          exactly; a secret is shown once and only its hash is kept.
        </small>
      </p>
      <Problem error={list.error} what="The identity provider's clients" />
      {secret ? (
        <SecretOnce
          label={`Client secret of ${secret.id} (shown once)`}
          name="client-secret"
          value={secret.value}
          onDone={() => setSecret(null)}
        />
      ) : null}
      <Problem error={action.error} />
      <Status done={action.done} />
      <div class="overflow-auto">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Kind</th>
              <th scope="col">Redirect URIs</th>
              <th scope="col">Grants</th>
              <th scope="col">Roles</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.clients ?? []).map((c) => (
              <tr key={c.client_id} data-client={c.client_id}>
                <td>
                  <strong>{c.name}</strong>
                  <br />
                  <code>{c.client_id}</code>
                  <br />
                  <small class="muted">since {when(c.created_at)}</small>
                </td>
                <td>
                  {c.public ? 'public' : 'confidential'}
                  {c.trusted ? ', trusted' : ''}
                  {c.read_only ? ' (file)' : ''}
                </td>
                <td>{c.redirect_uris.join(' ') || '—'}</td>
                <td>{c.grant_types.map((g) => GRANTS.find(([k]) => k === g)?.[1] ?? g).join(', ')}</td>
                <td>{c.allowed_roles.join(', ') || 'all'}</td>
                <td>
                  {c.read_only ? (
                    <small>from OIDC_CLIENTS_FILE</small>
                  ) : (
                    <div class="actions">
                      <button type="button" class="outline" onClick={() => setEditing(c.client_id)}>
                        Edit
                      </button>
                      {c.public ? null : (
                        <button
                          type="button"
                          class="outline"
                          onClick={() =>
                            confirm(`A new secret for ${c.name}? The old one stops working at once.`) &&
                            void action.run(async () =>
                              shown(await api<WithSecret>('POST', `/admin/oidc/clients/${c.client_id}/secret`)),
                            )
                          }
                        >
                          Rotate secret
                        </button>
                      )}
                      <button
                        type="button"
                        class="outline secondary"
                        onClick={() =>
                          confirm(`Delete the client ${c.name}?`) &&
                          void action
                            .run(() => api('DELETE', `/admin/oidc/clients/${c.client_id}`), `${c.name} deleted.`)
                            .then(list.reload)
                        }
                      >
                        Delete
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing && list.data?.clients.find((c) => c.client_id === editing) ? (
        <ClientForm
          key={`edit-${editing}`}
          title={`Edit ${editing}`}
          initial={draftOf(list.data.clients.find((c) => c.client_id === editing)!)}
          editing
          busy={action.busy}
          onCancel={() => setEditing(null)}
          onSave={(d) => {
            const kept = list.data!.clients.find((c) => c.client_id === editing)!;
            void action
              .run(() => api('PUT', `/admin/oidc/clients/${editing}`, bodyOf(d, kept)), `${d.name} saved.`)
              .then((ok) => ok && (setEditing(null), list.reload()));
          }}
        />
      ) : (
        <ClientForm
          key="new"
          title="New client"
          initial={EMPTY}
          busy={action.busy}
          onSave={(d) =>
            void action
              .run(
                async () => shown(await api<WithSecret>('POST', '/admin/oidc/clients', bodyOf(d))),
                `${d.name} created.`,
              )
              .then((ok) => ok && list.reload())
          }
        />
      )}
    </Page>
  );
}

function ClientForm(p: {
  title: string;
  initial: Draft;
  editing?: boolean;
  busy: boolean;
  onSave: (d: Draft) => void;
  onCancel?: () => void;
}) {
  const [d, setD] = useState<Draft>(p.initial);
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch });
  return (
    <form
      aria-label={p.title}
      id={p.editing ? 'edit-client' : 'new-client'}
      onSubmit={(e) => {
        e.preventDefault();
        p.onSave(d);
        if (!p.editing) setD(EMPTY);
      }}
    >
      <h2>{p.title}</h2>
      <div class="grid">
        <label>
          Name
          <input name="name" required value={d.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        </label>
        {p.editing ? null : (
          <label>
            Client id (optional)
            <input
              name="client_id"
              pattern="[A-Za-z0-9._~\-]{3,64}"
              value={d.client_id}
              onInput={(e) => set({ client_id: e.currentTarget.value })}
            />
          </label>
        )}
      </div>
      <label>
        Redirect URIs (one per line)
        <textarea
          name="redirect_uris"
          rows={2}
          value={d.redirect_uris}
          onInput={(e) => set({ redirect_uris: e.currentTarget.value })}
        />
      </label>
      <fieldset>
        <legend>Grants</legend>
        {GRANTS.map(([key, label]) => (
          <label key={key}>
            <input
              type="checkbox"
              name={`grant-${key}`}
              checked={d.grant_types.includes(key)}
              onChange={(e) =>
                set({
                  grant_types: e.currentTarget.checked
                    ? [...d.grant_types, key]
                    : d.grant_types.filter((g) => g !== key),
                })
              }
            />
            {label}
          </label>
        ))}
      </fieldset>
      <label>
        Allowed roles (comma-separated; empty: all of the user's)
        <input
          name="allowed_roles"
          value={d.allowed_roles}
          onInput={(e) => set({ allowed_roles: e.currentTarget.value })}
        />
      </label>
      <fieldset>
        {p.editing ? null : (
          <label>
            <input
              type="checkbox"
              name="public"
              checked={d.public}
              onChange={(e) => set({ public: e.currentTarget.checked })}
            />
            Public (no secret; PKCE required)
          </label>
        )}
        <label>
          <input
            type="checkbox"
            name="trusted"
            checked={d.trusted}
            onChange={(e) => set({ trusted: e.currentTarget.checked })}
          />
          Trusted (first-party: no consent screen)
        </label>
      </fieldset>
      <div class="actions">
        <button type="submit" aria-busy={p.busy}>
          {p.editing ? 'Save client' : 'Create client'}
        </button>
        {p.onCancel ? (
          <button type="button" class="outline secondary" onClick={p.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
