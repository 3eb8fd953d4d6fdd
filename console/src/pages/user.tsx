import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { go } from '../router';
import { banned, stateOf, type AdminUser } from '../types';
import { Page, Problem, Status, useAction, useLoad, when } from '../ui';
import { UserAudit, UserSessions, UserTokens } from './user-lists';
import { Impersonate, UserSignInSources } from './user-sources';
import { Facts } from '../table';
import { UserAppPasswords, UserPasskeys } from './user-passkeys';
import { FixActions } from './user-fix';

/** One user; `GET /admin/users/:id` when the server has it, else found in the list. */
async function loadUser(id: string): Promise<AdminUser> {
  try {
    return await api<AdminUser>('GET', `/admin/users/${id}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.unavailable)) throw err;
  }
  const { users } = await api<{ users: AdminUser[] }>('GET', '/admin/users?limit=200');
  const user = users.find((u) => u.id === id);
  if (!user) throw new ApiError(404, 'not-found', 'No such user');
  return user;
}

export function UserPage({ id }: { id: string }) {
  const user = useLoad(() => loadUser(id), [id]);
  const u = user.data;
  return (
    <Page title={u ? u.email : 'User'}>
      <Problem error={user.error} />
      {u ? (
        <>
          <Profile u={u} />
          <Actions u={u} reload={user.reload} />
          <FixActions key={u.id} u={u} reload={user.reload} />
          <Access u={u} reload={user.reload} />
          <UserSessions id={u.id} state={`${u.active}|${u.disabled}|${u.banned_until}`} />
          <UserAppPasswords id={u.id} />
          <UserSignInSources id={u.id} realm={u.realm} />
          <UserPasskeys id={u.id} />
          <UserTokens id={u.id} />
          <Impersonate id={u.id} />
          <UserAudit id={u.id} email={u.email} />
        </>
      ) : null}
    </Page>
  );
}

function Profile({ u }: { u: AdminUser }) {
  const rows: [string, string][] = [
    ['Id', u.id],
    ['Numeric id', u.numeric_id == null ? '—' : String(u.numeric_id)],
    ['Username', u.username ?? '—'],
    ['Display name', u.display_name ?? '—'],
    ['State', stateOf(u) + (banned(u) ? ` until ${when(u.banned_until)}` : '')],
    ['Roles', `${u.roles.join(', ')} (default ${u.default_role})`],
    ['Realm', u.realm],
    ['MFA', u.mfa_enabled ? 'on' : 'off'],
    ['Created', when(u.created_at)],
    ['Last sign-in', when(u.last_login_at)],
  ];
  return (
    <section aria-labelledby="profile">
      <h2 id="profile">Profile</h2>
      <Facts rows={rows.map(([k, v]) => [k, k === 'State' ? <span class={`badge ${stateOf(u)}`}>{v}</span> : v])} />
    </section>
  );
}

function Actions({ u, reload }: { u: AdminUser; reload: () => void }) {
  const action = useAction();
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const then = (p: Promise<boolean>) => void p.then((ok) => ok && reload());
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <Problem error={action.error} what="This action" />
      <Status done={action.done} />
      <div class="row">
        {u.disabled ? (
          <button
            type="button"
            onClick={() => then(action.run(() => api('POST', `/admin/users/${u.id}/enable`), 'Enabled.'))}
          >
            Enable
          </button>
        ) : (
          <button
            type="button"
            class="contrast"
            onClick={() =>
              then(
                action.run(
                  () => api('POST', `/admin/users/${u.id}/disable`),
                  'Disabled: every session of the user has ended.',
                ),
              )
            }
          >
            Disable
          </button>
        )}
        {banned(u) ? (
          <button
            type="button"
            class="secondary"
            onClick={() => then(action.run(() => api('DELETE', `/admin/users/${u.id}/ban`), 'Ban lifted.'))}
          >
            Lift the ban
          </button>
        ) : null}
        <button
          type="button"
          class="secondary outline"
          onClick={() =>
            void action.run(
              () => api('POST', '/auth/change-password/request', { email: u.email }),
              'A password reset mail is on its way.',
            )
          }
        >
          Send a password reset mail
        </button>
      </div>
      <div class="grid forms">
        <form
          aria-label="Ban"
          onSubmit={(e) => {
            e.preventDefault();
            then(
              action.run(
                () => api('POST', `/admin/users/${u.id}/ban`, { until: new Date(until).toISOString(), reason }),
                'Banned: every session of the user has ended.',
              ),
            );
          }}
        >
          <h3>Ban until a date</h3>
          <label>
            Until
            <input
              type="datetime-local"
              name="ban-until"
              required
              value={until}
              onInput={(e) => setUntil(e.currentTarget.value)}
            />
          </label>
          <label>
            Reason
            <input name="ban-reason" maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit" class="secondary">
            Ban
          </button>
        </form>
        <form
          aria-label="Set a password"
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run(() => api('PUT', `/admin/users/${u.id}/password`, { password }), 'Password set.')
              .then((ok) => ok && setPassword(''));
          }}
        >
          <h3>Set a password</h3>
          <label>
            New password
            <input
              type="password"
              name="set-password"
              autoComplete="new-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="secondary">
            Set password
          </button>
        </form>
        <form
          aria-label="Delete the user"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(() => api('DELETE', `/admin/users/${u.id}`)).then((ok) => ok && go(['users']));
          }}
        >
          <h3>Delete</h3>
          <label>
            Type the email to confirm
            <input
              name="confirm-delete"
              autoComplete="off"
              value={confirm}
              onInput={(e) => setConfirm(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="danger" disabled={confirm !== u.email}>
            Delete permanently
          </button>
        </form>
      </div>
    </section>
  );
}

/** Roles, realm and the per-user HumHub methods (used when a method's mode is "selected"). */
function Access({ u, reload }: { u: AdminUser; reload: () => void }) {
  const action = useAction();
  const realms = useLoad(() => api<{ name: string }[]>('GET', '/admin/realms'), []);
  const [roles, setRoles] = useState(u.roles.join(', '));
  const [defaultRole, setDefaultRole] = useState(u.default_role);
  const then = (p: Promise<boolean>) => void p.then((ok) => ok && reload());
  return (
    <section aria-labelledby="access">
      <h2 id="access">Roles, realm and methods</h2>
      <Problem error={action.error} what="This action" />
      <Status done={action.done} />
      <div class="grid forms">
        <form
          aria-label="Roles"
          onSubmit={(e) => {
            e.preventDefault();
            const list = roles
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean);
            then(
              action.run(
                () => api('PUT', `/admin/users/${u.id}/roles`, { roles: list, default_role: defaultRole }),
                'Roles saved.',
              ),
            );
          }}
        >
          <label>
            Roles (comma-separated)
            <input name="roles" value={roles} onInput={(e) => setRoles(e.currentTarget.value)} />
          </label>
          <label>
            Default role
            <input name="default-role" value={defaultRole} onInput={(e) => setDefaultRole(e.currentTarget.value)} />
          </label>
          <button type="submit" class="secondary">
            Save roles
          </button>
        </form>
        <label>
          Realm
          <select
            name="realm"
            value={u.realm}
            onChange={(e) =>
              then(
                action.run(
                  () => api('PUT', `/admin/users/${u.id}/realm`, { realm: e.currentTarget.value }),
                  'Realm changed.',
                ),
              )
            }
          >
            {(realms.data ?? [{ name: u.realm }]).map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>HumHub methods for this user (when the method is set to "selected")</legend>
          {(['jwt', 'basic'] as const).map((m) => (
            <div class="row" key={m}>
              <span>{m === 'jwt' ? 'JWT' : 'Basic'}</span>
              <button
                type="button"
                class="outline"
                onClick={() => void action.run(() => api('PUT', `/admin/users/${u.id}/methods/${m}`), `${m} allowed.`)}
              >
                Allow
              </button>
              <button
                type="button"
                class="outline secondary"
                onClick={() =>
                  void action.run(() => api('DELETE', `/admin/users/${u.id}/methods/${m}`), `${m} closed.`)
                }
              >
                Close
              </button>
            </div>
          ))}
        </fieldset>
      </div>
    </section>
  );
}
