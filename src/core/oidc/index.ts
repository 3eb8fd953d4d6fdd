import type { Logger } from 'pino';
import type { Config } from '../../config/load.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { LoginPipeline } from '../auth/pipeline.js';
import type { AuthService } from '../auth/service.js';
import type { Clock, Random } from '../clock.js';
import type { SecretBox } from '../mfa/secret-box.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { KeyRing } from '../tokens/key-ring.js';
import type { UserService } from '../users/service.js';
import { createBackchannelLogout } from './backchannel.js';
import { createOidcClients, loadClientsFile } from './clients.js';
import { createOidcInteractions } from './interactions.js';
import { createLiveProvider } from './live-provider.js';
import type { OidcViews } from './provider.js';
import { providerKeyRing } from './signing-key.js';
import { createBrowserContext } from './browser.js';
import type { Actor } from '../sessions/actor.js';

export interface OidcDeps {
  config: Config;
  queries: Queries;
  audit: Audit;
  clock: Clock;
  random: Random;
  keys: KeyRing;
  /** Seals signing keys (the key ring's box). */
  keysBox: SecretBox;
  /** Seals what oidc-provider stores. */
  storeBox: SecretBox;
  cookieKey: Buffer;
  sessions: SessionRegistry;
  users: UserService;
  pipeline: LoginPipeline;
  auth: Pick<AuthService, 'proveSecondStep'>;
  log: Logger;
}

/** The identity provider: clients, oidc-provider (when OIDC_ENABLED) and the sign-in interactions. */
export async function createOidc(d: OidcDeps, views: OidcViews) {
  const { config, clock, random } = d;
  const fromFile = config.idp.clientsFile ? await loadClientsFile(config.idp.clientsFile, random, clock.now()) : [];
  const clients = createOidcClients({ queries: d.queries, audit: d.audit, clock, random, fromFile });
  const browser = createBrowserContext();
  const signing = config.idp.enabled
    ? await providerKeyRing({ keys: d.keys, queries: d.queries, box: d.keysBox, clock, audit: d.audit })
    : undefined;
  const live =
    signing &&
    createLiveProvider(signing.ring, {
      config,
      queries: d.queries,
      box: d.storeBox,
      clock,
      sessions: d.sessions,
      users: d.users,
      clients,
      views,
      log: d.log,
      cookieKey: d.cookieKey,
      browser,
    });
  // Made now, so that a configuration oidc-provider refuses stops the start.
  if (live) await live.current();
  const provider = live && (() => live.current());
  const backchannel = provider && createBackchannelLogout({ provider, queries: d.queries, clock, log: d.log });
  if (backchannel) {
    d.sessions.onAllEnded((userId) => backchannel.notify(userId));
    d.sessions.onEnded((_userId, sessionId) => backchannel.notifySession(sessionId));
  }
  const interactions = createOidcInteractions({
    provider,
    browser,
    pipeline: d.pipeline,
    proveMfa: (ticket, code, client, door) => d.auth.proveSecondStep(ticket, { method: 'totp', code }, client, door),
    sessions: d.sessions,
    users: d.users,
    clients,
    grantSeconds: config.idp.refreshTokenSeconds,
  });
  /** `keys rotate`: the provider's own ring (HMAC access tokens); an asymmetric ring rotates as the access key. */
  const rotateKey = async (actor: Actor) => (signing?.own ? await signing.ring.rotate(actor) : undefined);
  return { clients, provider, live, browser, interactions, backchannel, rotateKey };
}

export type Oidc = Awaited<ReturnType<typeof createOidc>>;
