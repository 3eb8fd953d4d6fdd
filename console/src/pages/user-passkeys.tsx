import { api } from '../api';
import { Table } from '../table';
import { Problem, Status, useAction, useLoad, when } from '../ui';

export interface PasskeyInfo {
  id: string;
  nickname: string | null;
  device_type: string;
  backed_up: boolean;
  created_at: string;
  last_used_at: string | null;
}

/** A user's passkeys; removing one is audited and ends none of their sessions. */
export function UserPasskeys({ id }: { id: string }) {
  const passkeys = useLoad(
    () => api<{ passkeys: PasskeyInfo[] }>('GET', `/admin/users/${id}/passkeys`).then((p) => p.passkeys),
    [id],
  );
  const action = useAction();
  const remove = (p: PasskeyInfo) =>
    void action
      .run(() => api('DELETE', `/admin/users/${id}/passkeys/${p.id}`), 'Passkey removed.')
      .then(passkeys.reload);
  return (
    <section aria-labelledby="passkeys">
      <h2 id="passkeys">Passkeys</h2>
      <Problem error={passkeys.error} what="Listing passkeys" />
      <Problem error={action.error} />
      <Status done={action.done} />
      {passkeys.data ? (
        <>
          <Table
            rows={passkeys.data}
            rowKey={(p) => p.id}
            columns={[
              { head: 'Name', cell: (p) => p.nickname ?? '—' },
              { head: 'Kind', cell: (p) => (p.device_type === 'multiDevice' ? 'synced' : 'this device only') },
              { head: 'Added', cell: (p) => when(p.created_at) },
              { head: 'Last used', cell: (p) => when(p.last_used_at) },
              {
                head: 'Actions',
                hideHead: true,
                cell: (p) => (
                  <button
                    type="button"
                    class="outline secondary small"
                    aria-label={`Remove passkey ${p.nickname ?? p.id}`}
                    onClick={() => remove(p)}
                  >
                    Remove
                  </button>
                ),
              },
            ]}
          />
          <p>{passkeys.data.length === 0 ? 'No passkey.' : `${passkeys.data.length} passkey(s).`}</p>
        </>
      ) : null}
    </section>
  );
}

export interface AppPasswordInfo {
  id: string;
  door: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A user's app passwords, beside their sessions: revoking one ends their sessions on its door. */
export function UserAppPasswords({ id }: { id: string }) {
  const list = useLoad(
    () =>
      api<{ app_passwords: AppPasswordInfo[] }>('GET', `/admin/users/${id}/app-passwords`).then((p) => p.app_passwords),
    [id],
  );
  const action = useAction();
  const revoke = (p: AppPasswordInfo) =>
    void action
      .run(() => api('DELETE', `/admin/users/${id}/app-passwords/${p.id}`), 'App password revoked.')
      .then(list.reload);
  return (
    <section aria-labelledby="app-passwords">
      <h2 id="app-passwords">App passwords</h2>
      <Problem error={list.error} what="Listing app passwords" />
      <Problem error={action.error} />
      <Status done={action.done} />
      {list.data ? (
        <>
          <Table
            rows={list.data}
            rowKey={(p) => p.id}
            columns={[
              { head: 'Name', cell: (p) => p.name },
              { head: 'Door', cell: (p) => p.door },
              { head: 'Created', cell: (p) => when(p.created_at) },
              { head: 'Last used', cell: (p) => when(p.last_used_at) },
              { head: 'State', cell: (p) => (p.revoked_at ? 'revoked' : 'live') },
              {
                head: 'Actions',
                hideHead: true,
                cell: (p) =>
                  p.revoked_at ? null : (
                    <button
                      type="button"
                      class="outline secondary small"
                      aria-label={`Revoke app password ${p.name}`}
                      onClick={() => revoke(p)}
                    >
                      Revoke
                    </button>
                  ),
              },
            ]}
          />
          <p>{list.data.length === 0 ? 'No app password.' : `${list.data.length} app password(s).`}</p>
        </>
      ) : null}
    </section>
  );
}
