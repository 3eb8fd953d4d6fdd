import { useState } from 'preact/hooks';
import { api } from '../api';
import type { AdminUser } from '../types';
import { Problem, Status, useAction, useLoad, when } from '../ui';
import { Metadata } from './user-metadata';

type Activity = {
  sign_ins_30d: number;
  failed_sign_ins_30d: number;
  last_sign_in_at: string | null;
  last_seen_at: string | null;
};

/** What an operator fixes by hand: activate, mail the activation again, reset a lost second factor, edit. */
export function FixActions({ u, reload }: { u: AdminUser; reload: () => void }) {
  const action = useAction();
  const activity = useLoad(() => api<Activity>('GET', `/admin/users/${u.id}/activity`), [u.id, u.last_login_at]);
  const a = activity.data;
  const then = (p: Promise<boolean>) => void p.then((ok) => ok && reload());
  const [email, setEmail] = useState(u.email);
  const [username, setUsername] = useState(u.username ?? '');
  const [name, setName] = useState(u.display_name ?? '');
  const edit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, string> = {};
    if (email !== u.email) body.email = email;
    if (username !== (u.username ?? '')) body.username = username;
    if (name !== (u.display_name ?? '')) body.display_name = name;
    const note = body.email
      ? 'Saved: the new address counts as proven, and every session of the user ended.'
      : 'Saved.';
    then(action.run(() => api('PATCH', `/admin/users/${u.id}`, body), note));
  };
  return (
    <section aria-labelledby="fix">
      <h2 id="fix">Account</h2>
      {a ? (
        <p class="activity">
          Sign-ins in the last 30 days: <strong>{a.sign_ins_30d}</strong> (failed: {a.failed_sign_ins_30d}). Last seen:{' '}
          {when(a.last_seen_at)}.
        </p>
      ) : null}
      <Problem error={action.error} what="This action" />
      <Status done={action.done} />
      <div class="row">
        {!u.active ? (
          <>
            <button
              type="button"
              onClick={() => then(action.run(() => api('POST', `/admin/users/${u.id}/activate`), 'Activated.'))}
            >
              Activate
            </button>
            <button
              type="button"
              class="secondary outline"
              onClick={() =>
                void action.run(
                  () => api('POST', `/admin/users/${u.id}/activation-mail`),
                  'A new activation mail is on its way.',
                )
              }
            >
              Resend the activation mail
            </button>
          </>
        ) : null}
        {u.mfa_enabled ? (
          <button
            type="button"
            class="secondary"
            onClick={() =>
              then(
                action.run(
                  () => api('DELETE', `/admin/users/${u.id}/mfa`),
                  'Second factor removed: the user signs in with the password and may set it up again.',
                ),
              )
            }
          >
            Reset MFA (lost phone)
          </button>
        ) : null}
      </div>
      <details>
        <summary>Edit the profile</summary>
        <form aria-label="Edit the profile" onSubmit={edit}>
          <label>
            Email
            <input type="email" name="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            Username
            <input name="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </label>
          <label>
            Display name
            <input name="display-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit" aria-busy={action.busy} disabled={action.busy}>
            Save
          </button>
        </form>
      </details>
      <Metadata u={u} reload={reload} />
    </section>
  );
}
