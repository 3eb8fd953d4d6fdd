import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Mode } from '../types';
import { Page, Problem, Status, useAction, useLoad, when } from '../ui';

interface Setting {
  name: string;
  value: string | null;
}

/** Realms (list, create), the dialects this server speaks and who may use each HumHub method. */
export function RealmsPage() {
  const realms = useLoad(() => api<{ name: string; created_at: string }[]>('GET', '/admin/realms'), []);
  const methods = useLoad(() => api<{ jwt: Mode; basic: Mode }>('GET', '/admin/methods'), []);
  const config = useLoad(() => api<{ settings: Setting[] }>('GET', '/admin/config'), []);
  const action = useAction();
  const [name, setName] = useState('');
  const dialects = config.data?.settings.find((s) => s.name === 'DIALECTS')?.value?.split(',') ?? [];
  const all = ['hbp', 'humhub', 'rocketchat', 'privacyidea', 'datarhei'];
  return (
    <Page title="Realms & dialects">
      <section aria-labelledby="realms">
        <h2 id="realms">Realms</h2>
        <Problem error={realms.error} />
        <ul>
          {(realms.data ?? []).map((r) => (
            <li key={r.name}>
              <strong>{r.name}</strong> <small class="muted">since {when(r.created_at)}</small>
            </li>
          ))}
        </ul>
        <form
          class="inline"
          aria-label="Create a realm"
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run(() => api('POST', '/admin/realms', { name }), `Realm ${name} created.`)
              .then((ok) => ok && (setName(''), realms.reload()));
          }}
        >
          <label>
            New realm
            <input
              name="realm-name"
              required
              pattern="[A-Za-z0-9_.\-]{1,64}"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <button type="submit">Create realm</button>
        </form>
        <Problem error={action.error} />
        <Status done={action.done} />
      </section>
      <section aria-labelledby="dialects">
        <h2 id="dialects">Dialects</h2>
        <Problem error={config.error} what="The configuration view" />
        <ul class="chips">
          {all.map((d) => (
            <li key={d} class={`badge ${dialects.includes(d) ? 'active' : 'off'}`}>
              {d}: {dialects.includes(d) ? 'on' : 'off'}
            </li>
          ))}
        </ul>
        <p>
          <small>Set with DIALECTS; a change needs a restart.</small>
        </p>
      </section>
      <section aria-labelledby="methods">
        <h2 id="methods">HumHub methods</h2>
        <Problem error={methods.error} />
        {methods.data ? (
          <div class="grid">
            {(['jwt', 'basic'] as const).map((m) => (
              <label key={m}>
                {m === 'jwt' ? 'JWT login and bearer JWTs' : 'HTTP Basic'}
                <select
                  name={`method-${m}`}
                  value={methods.data![m]}
                  onChange={(e) =>
                    void action
                      .run(() => api('PUT', `/admin/methods/${m}`, { mode: e.currentTarget.value }), 'Saved.')
                      .then(methods.reload)
                  }
                >
                  <option value="all">all users</option>
                  <option value="selected">selected users</option>
                  <option value="off">off</option>
                </select>
              </label>
            ))}
          </div>
        ) : null}
      </section>
    </Page>
  );
}
