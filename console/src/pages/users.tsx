import { useState } from 'preact/hooks';
import { api } from '../api';
import { go, href } from '../router';
import { stateOf, type AdminUser } from '../types';
import { Table } from '../table';
import { Page, Problem, Status, useAction, useLoad, when } from '../ui';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UserPage {
  users: AdminUser[];
  next_cursor: string | null;
}

interface UserFilters {
  q: string;
  realm: string;
  role: string;
  state: string;
  sort: string;
  order: string;
}

/** The orders the server sorts by, and the direction a first click asks (the newest or busiest first). */
const SORTS: Record<string, 'asc' | 'desc'> = { email: 'asc', created: 'desc', last_seen: 'desc', sign_ins: 'desc' };

/**
 * One page of users from the server: its indexed search (a part of the email or username; one or two
 * characters, the start of either) and its realm, role and state filters, over the whole list; or, for
 * an id, that one user. The cursor names the page after the previous one.
 */
async function findUsers(f: UserFilters, cursor: string): Promise<UserPage> {
  if (UUID.test(f.q)) {
    const one = await api<AdminUser>('GET', `/admin/users/${f.q.toLowerCase()}`).catch(() => undefined);
    const fits = one && (!f.realm || one.realm === f.realm) && (!f.role || one.roles.includes(f.role));
    return { users: fits && (!f.state || stateOf(one) === f.state) ? [one] : [], next_cursor: null };
  }
  const params = new URLSearchParams({ limit: '50' });
  if (f.q) params.set('search', f.q);
  for (const key of ['realm', 'role', 'state'] as const) if (f[key]) params.set(key, f[key]);
  if (f.sort in SORTS) params.set('sort', f.sort);
  if (f.sort in SORTS && f.order) params.set('order', f.order);
  if (cursor) params.set('cursor', cursor);
  return api<UserPage>('GET', `/admin/users?${params}`);
}

export function UsersPage({ query }: { query: URLSearchParams }) {
  const search = query.get('q') ?? '';
  const realm = query.get('realm') ?? '';
  const role = query.get('role') ?? '';
  const state = query.get('state') ?? '';
  const sort = query.get('sort') ?? '';
  const order = query.get('order') ?? '';
  const cursor = query.get('after') ?? '';
  const [text, setText] = useState(search);
  const [roleText, setRoleText] = useState(role);
  const filters = { q: search, realm, role, state, sort, order };
  const users = useLoad(() => findUsers(filters, cursor), [search, realm, role, state, sort, order, cursor]);
  // A header sorts by its column (a new order starts at the first page); a second click turns the direction.
  const sortBy = (key: string) => {
    const now = sort === key ? (order === 'desc' ? 'descending' : 'ascending') : undefined;
    const next = now ? (now === 'ascending' ? 'desc' : 'asc') : SORTS[key]!;
    return { href: href(['users'], { ...filters, sort: key, order: next }), now } as const;
  };
  const realms = useLoad(() => api<{ name: string }[]>('GET', '/admin/realms'), []);
  const shown = users.data?.users ?? [];
  // Suggestions for the role field: the roles of the users shown (any role may be typed).
  const roles = [...new Set(shown.flatMap((u) => u.roles))].sort();
  // A new search or filter starts again at the first page.
  const setFilter = (key: string, value: string) => go(['users'], { ...filters, [key]: value });
  const next = users.data?.next_cursor;

  return (
    <Page title="Users">
      <form
        role="search"
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go(['users'], { ...filters, q: text.trim(), role: roleText.trim() });
        }}
      >
        <label>
          Search by a part of the email or username, or an id
          <input
            type="search"
            name="q"
            placeholder="1 or 2 characters: the start of the email or username"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <label>
          Realm
          <select name="realm" value={realm} onChange={(e) => setFilter('realm', e.currentTarget.value)}>
            <option value="">Any</option>
            {(realms.data ?? []).map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
          </select>
        </label>
        <label>
          Role
          <input
            name="role"
            list="user-roles"
            placeholder="Any"
            value={roleText}
            onInput={(e) => setRoleText(e.currentTarget.value)}
          />
          <datalist id="user-roles">
            {roles.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </label>
        <label>
          State
          <select name="state" value={state} onChange={(e) => setFilter('state', e.currentTarget.value)}>
            <option value="">Any</option>
            {['active', 'inactive', 'disabled', 'banned'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <Problem error={users.error} />
      <Table
        striped
        caption="Users"
        hideCaption
        busy={users.loading}
        rows={shown}
        rowKey={(u) => u.id}
        empty={users.data ? (cursor ? 'No more users on this page.' : 'No user matches.') : undefined}
        columns={[
          {
            head: 'Email',
            sort: sortBy('email'),
            cell: (u) => (
              <>
                <a href={href(['users', u.id])}>{u.email}</a>
                {u.username ? <small class="muted"> {u.username}</small> : null}
              </>
            ),
          },
          { head: 'Roles', cell: (u) => u.roles.join(', ') },
          { head: 'Realm', cell: (u) => u.realm },
          { head: 'State', cell: (u) => <span class={`badge ${stateOf(u)}`}>{stateOf(u)}</span> },
          { head: 'MFA', cell: (u) => (u.mfa_enabled ? 'on' : 'off') },
          { head: 'Created', sort: sortBy('created'), cell: (u) => when(u.created_at) },
          { head: 'Last seen', sort: sortBy('last_seen'), cell: (u) => when(u.last_seen_at ?? u.last_login_at) },
          { head: 'Sign-ins', sort: sortBy('sign_ins'), cell: (u) => u.sign_in_count ?? '' },
        ]}
      />
      <nav aria-label="Pages" class="pager">
        {cursor ? (
          <a role="button" class="secondary outline" href={href(['users'], { ...filters, after: '' })}>
            First page
          </a>
        ) : null}
        {next ? (
          <a role="button" class="secondary" href={href(['users'], { ...filters, after: next })}>
            Next page
          </a>
        ) : null}
      </nav>
      <CreateUser onCreated={(u) => go(['users', u.id])} />
    </Page>
  );
}

function CreateUser({ onCreated }: { onCreated: (u: AdminUser) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState('user');
  const action = useAction();
  return (
    <details>
      <summary role="button" class="secondary outline">
        Create a user
      </summary>
      <form
        aria-label="Create a user"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const list = roles
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean);
            onCreated(
              await api<AdminUser>('POST', '/admin/users', { email, password, roles: list, default_role: list[0] }),
            );
          });
        }}
      >
        <div class="grid">
          <label>
            Email
            <input
              type="email"
              name="new-email"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              name="new-password"
              autoComplete="new-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <label>
            Roles (comma-separated, the first is the default)
            <input name="new-roles" value={roles} onInput={(e) => setRoles(e.currentTarget.value)} />
          </label>
        </div>
        <Problem error={action.error} />
        <Status done={action.done} />
        <button type="submit" aria-busy={action.busy} disabled={action.busy}>
          Create
        </button>
      </form>
    </details>
  );
}
