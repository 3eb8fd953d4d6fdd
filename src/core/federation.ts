import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { Queries } from '../db/queries/index.js';
import type { Audit } from './audit/service.js';
import type { AuthService } from './auth/service.js';
import type { Clock } from './clock.js';
import { createDirectoryService } from './directories/service.js';
import { createDirectoryStore, loadDirectoriesFile } from './directories/store.js';
import { createDirectorySync } from './directories/sync.js';
import { createSecretBox } from './mfa/secret-box.js';
import { createProviderService } from './providers/service.js';
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
  log: Logger;
  /** A 256-bit key for one purpose, derived from the server secret. */
  secret: (purpose: string) => Buffer;
  /** Ends every session of a user, in every dialect. */
  endSessions: (userId: string) => Promise<void>;
}

/** Wires directories (store, login, periodic check) and sign-in providers. */
export function createFederation(deps: FederationDeps) {
  const { config, queries, users, audit, clock } = deps;
  const roles = { defaults: config.users.defaultAllowedRoles, defaultRole: config.users.defaultRole };
  const fileDirectories = config.federation.directoriesFile ? loadDirectoriesFile(config.federation.directoriesFile) : [];
  const store = createDirectoryStore({ queries, users, clock, box: createSecretBox(deps.secret('directory-bind-password')), fileDirectories });
  const directories = {
    ...createDirectoryService({ queries, users, audit, clock, store, roles }),
    store,
    sync: createDirectorySync({ queries, store, audit, endSessions: deps.endSessions, log: deps.log }),
  };
  const providers = createProviderService({ config, queries, users, auth: deps.auth, tickets: deps.tickets, audit, clock, box: createSecretBox(deps.secret('oauth-flow')) });
  return { directories, providers };
}
