import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { type JSX, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentCredential, onCredentialChange, resume, signOut } from './api';
import { href, useRoute } from './router';
import { AuditPage } from './pages/audit';
import { ConfigPage } from './pages/config';
import { Dashboard } from './pages/dashboard';
import { OidcClientsPage } from './pages/oidc-clients';
import { OutboxPage } from './pages/outbox';
import { RealmsPage } from './pages/realms';
import { SetupPage } from './pages/setup';
import { SignInPage } from './pages/signin';
import { StoragePage } from './pages/storage';
import { UserPage } from './pages/user';
import { UsersPage } from './pages/users';

const SECTIONS = [
  ['', 'Dashboard'],
  ['users', 'Users'],
  ['realms', 'Realms & dialects'],
  ['oidc', 'OIDC clients'],
  ['storage', 'Storage'],
  ['audit', 'Audit log'],
  ['outbox', 'Outbox'],
  ['config', 'Configuration'],
] as const;

function Shell() {
  const route = useRoute();
  const [section = '', id] = route.parts;
  const who = currentCredential();
  let page: JSX.Element;
  if (section === 'users' && id) page = <UserPage id={id} />;
  else if (section === 'users') page = <UsersPage query={route.query} />;
  else if (section === 'realms') page = <RealmsPage />;
  else if (section === 'oidc') page = <OidcClientsPage />;
  else if (section === 'storage') page = <StoragePage folder={route.query.get('path') ?? ''} />;
  else if (section === 'audit') page = <AuditPage query={route.query} />;
  else if (section === 'outbox') page = <OutboxPage name={id} />;
  else if (section === 'config') page = <ConfigPage />;
  else page = <Dashboard />;
  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link: a real #main anchor that also moves focus there */}
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="container-fluid top">
        <nav aria-label="Sections">
          <ul>
            <li>
              <strong>Gatehouse</strong>
            </li>
          </ul>
          <ul class="sections">
            {SECTIONS.map(([key, label]) => (
              <li key={key}>
                <a href={href(key ? [key] : [])} aria-current={section === key ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
          <ul>
            <li class="who">{who?.kind === 'token' ? who.email : 'admin secret'}</li>
            <li>
              <button type="button" class="outline secondary" onClick={() => void signOut()}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" class="container" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function App() {
  const [, setVersion] = useState(0);
  const [starting, setStarting] = useState(true);
  useEffect(() => {
    const off = onCredentialChange(() => setVersion((v) => v + 1));
    void resume().finally(() => setStarting(false));
    return () => void off();
  }, []);
  if (starting) return <main class="container" aria-busy="true" />;
  if (location.pathname.replace(/\/$/, '').endsWith('/console/setup') && !currentCredential()) return <SetupPage />;
  return currentCredential() ? <Shell /> : <SignInPage />;
}

render(<App />, document.getElementById('app')!);
