import { useEffect, useState } from 'preact/hooks';
import {
  browserSupportsWebAuthnAutofill,
  signIn,
  signInMfa,
  signInPasskeySecondFactor,
  signInWithPasskey,
  signInWithSecret,
} from '../api';
import { Problem, useAction } from '../ui';

/** Password, then the TOTP step when the account has MFA; or the ADMIN_SECRET, kept in memory only. */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [ticket, setTicket] = useState<string | null>(null);
  const [methods, setMethods] = useState<string[]>([]);
  const [code, setCode] = useState('');
  const [secret, setSecret] = useState('');
  const action = useAction();
  const secretAction = useAction();

  const submitPassword = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const step = await signIn(email, password);
      if (!step.done) {
        setTicket(step.ticket);
        setMethods(step.methods);
      }
    });
  };
  const submitCode = (e: Event) => {
    e.preventDefault();
    void action.run(() => signInMfa(ticket!, code.trim(), email));
  };
  const usePasskey = () => void action.run(() => signInWithPasskey());
  const usePasskeyStep = () => void action.run(() => signInPasskeySecondFactor(ticket!, email));
  // Where the browser offers it, a passkey of this site appears in the email field's autofill.
  useEffect(() => {
    void browserSupportsWebAuthnAutofill().then((yes) => {
      if (yes) signInWithPasskey(true).catch(() => undefined);
    });
  }, []);
  const submitSecret = (e: Event) => {
    e.preventDefault();
    void secretAction.run(() => signInWithSecret(secret));
  };

  return (
    <main class="container narrow" id="main">
      <h1>Gatehouse console</h1>
      <article>
        {ticket === null ? (
          <form onSubmit={submitPassword} aria-label="Sign in">
            <h2>Sign in</h2>
            <label>
              Email
              <input
                type="email"
                name="email"
                autoComplete="username webauthn"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </label>
            <label>
              Password
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </label>
            <Problem error={action.error} />
            <button type="submit" aria-busy={action.busy} disabled={action.busy}>
              Sign in
            </button>
            <button type="button" class="secondary outline" disabled={action.busy} onClick={usePasskey}>
              Use a passkey
            </button>
          </form>
        ) : (
          <form onSubmit={submitCode} aria-label="Second factor">
            <h2>Second factor</h2>
            {methods.includes('totp') ? (
              <>
                <label>
                  Code from your authenticator app (or a recovery code)
                  <input
                    name="code"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    required
                    autoFocus
                    value={code}
                    onInput={(e) => setCode(e.currentTarget.value)}
                  />
                </label>
                <button type="submit" aria-busy={action.busy} disabled={action.busy}>
                  Verify
                </button>
              </>
            ) : null}
            {methods.includes('webauthn') ? (
              <button type="button" disabled={action.busy} onClick={usePasskeyStep}>
                Use my passkey
              </button>
            ) : null}
            <Problem error={action.error} />
            <button type="button" class="secondary outline" onClick={() => (setTicket(null), setCode(''))}>
              Back
            </button>
          </form>
        )}
      </article>
      <details>
        <summary>Use the admin secret instead</summary>
        <form onSubmit={submitSecret} aria-label="Admin secret">
          <label>
            ADMIN_SECRET
            <input
              type="password"
              name="admin-secret"
              autoComplete="off"
              required
              value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
            <small>Kept in this tab's memory only: a reload forgets it.</small>
          </label>
          <Problem error={secretAction.error} />
          <button type="submit" aria-busy={secretAction.busy} disabled={secretAction.busy}>
            Open the console
          </button>
        </form>
      </details>
    </main>
  );
}
