import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../api';
import { Problem, useAction, useLoad } from '../ui';

/** The token of the setup link (`/console/setup#token=…`): in the fragment, so it never reaches a server log. */
const tokenOf = () => new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, json.code ?? 'http-error', json.message ?? `${res.status}`);
  return json as T;
}

/** First run: the link printed at start opens this page, which creates the first admin and signs them in. */
export function SetupPage() {
  const [token] = useState(tokenOf);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const action = useAction();
  const state = useLoad(() => call<{ open: boolean; needs_admin: boolean }>('GET', '/setup'), []);

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (password !== again) throw new Error('The two passwords differ.');
      await call('POST', '/setup/admin', { token, email, password, display_name: name || undefined });
      // Off the setup address (and its token) before the console appears.
      history.replaceState(null, '', '/console/#/');
      await signIn(email, password);
    });
  };

  const closed = state.data && !state.data.open;
  return (
    <main class="container narrow" id="main">
      <h1>Gatehouse: first admin</h1>
      <Problem error={state.error} />
      {closed ? (
        <article>
          <p>
            {state.data!.needs_admin
              ? 'No setup link is waiting: restart Gatehouse to print a new one.'
              : 'An administrator exists already: sign in instead.'}
          </p>
          <a href="/console/">Open the console</a>
        </article>
      ) : (
        <article>
          <form onSubmit={submit} aria-label="Create the first admin">
            <p>Nobody can sign in to the console yet. Create the first administrator account.</p>
            {!token && <p class="problem">This address has no token: open the link exactly as Gatehouse printed it.</p>}
            <label>
              Email
              <input
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </label>
            <label>
              Name <small>(optional)</small>
              <input name="name" autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input
                type="password"
                name="password"
                autoComplete="new-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </label>
            <label>
              Password again
              <input
                type="password"
                name="password-again"
                autoComplete="new-password"
                required
                value={again}
                onInput={(e) => setAgain(e.currentTarget.value)}
              />
            </label>
            <Problem error={action.error} />
            <button type="submit" aria-busy={action.busy} disabled={action.busy || !token}>
              Create the admin and sign in
            </button>
          </form>
        </article>
      )}
    </main>
  );
}
