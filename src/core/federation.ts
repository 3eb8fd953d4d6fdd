import type { CoreLog } from './log.js';
import type { Config } from '../config/load.js';
import type { Queries } from '../db/queries/index.js';
import type { Audit } from './audit/service.js';
import type { AuthService } from './auth/service.js';
import type { Clock } from './clock.js';
import { createDirectoryService } from './directories/service.js';
import { createDirectoryStore } from './directories/store.js';
import { createDirectorySync } from './directories/sync.js';
import { createSecretBox } from './mfa/secret-box.js';
import { createProviderService } from './providers/service.js';
import type { SessionRegistry } from './sessions/registry.js';
import type { Tickets } from './tickets/service.js';
import type { UserService } from './users/service.js';

export interface FederationDeps {
  config: Config;
  queries: Queries;
  users: UserService;
  auth: AuthService;
  tickets: Tickets;
  audit: Audit;
  clock: Clock;
  log: CoreLog;
  /** A 256-bit key for one purpose, derived from the server secret. */
  secret: (purpose: string) => Buffer;
  /** Ends every session of a user, in every dialect. */
  endSessions: (userId: string) => Promise<void>;
}

/**
 * Directories (store, login, periodic check): the login pipeline calls them, so they come first. DIRECTORIES_FILE's
 * reader (YAML, the settings' schema) is loaded only when the file is configured.
 */
export async function createDirectories(deps: Omit<FederationDeps, 'auth' | 'tickets'>) {
  const { config, queries, users, audit, clock } = deps;
  const roles = { defaults: config.users.defaultAllowedRoles, defaultRole: config.users.defaultRole };
  const fileDirectories = config.federation.directoriesFile
    ? (await import('./directories/file.js')).loadDirectoriesFile(config.federation.directoriesFile)
    : [];
  const store = createDirectoryStore({
    queries,
    users,
    clock,
    box: createSecretBox(deps.secret('directory-bind-password')),
    fileDirectories,
  });
  return {
    ...createDirectoryService({ queries, users, audit, clock, store, roles }),
    store,
    sync: createDirectorySync({ queries, store, audit, clock, endSessions: deps.endSessions, log: deps.log }),
  };
}

/** Sign-in providers (OAuth 2.0 / OpenID Connect), which open sessions through the auth service. */
export async function createProviders(
  deps: Pick<FederationDeps, 'config' | 'queries' | 'users' | 'auth' | 'tickets' | 'audit' | 'clock' | 'secret'> & {
    sessions: SessionRegistry;
  },
) {
  const { config, queries, users, audit, clock } = deps;
  const box = createSecretBox(deps.secret('oauth-flow'));
  const { auth, tickets, sessions } = deps;
  return createProviderService({ config, queries, users, auth, tickets, audit, clock, box, sessions });
}
