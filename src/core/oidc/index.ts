import type { CoreLog } from '../log.js';
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
import { createLiveProvider, type LiveProvider } from './live-provider.js';
import type { OidcViews } from './provider.js';
import type { OidcProvider } from './types.js';
import { providerKeyRing } from './signing-key.js';
import { createBrowserContext } from './browser.js';
import type { Actor } from '../sessions/actor.js';
import type { Passkeys } from '../passkeys/service.js';

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
  auth: Pick<AuthService, 'proveSecondStep' | 'secondFactorsOfTicket'>;
  /** The passkeys' second step (its options, bound to the MFA ticket); absent when passkeys are off. */
  passkeys?: Pick<Passkeys, 'secondFactorOptions'>;
  log: CoreLog;
}

/** The identity provider: clients, oidc-provider (when OIDC_ENABLED) and the sign-in interactions. */
export async function createOidc(d: OidcDeps, views: OidcViews) {
  const { config, clock, random } = d;
  const fromFile = config.idp.clientsFile ? await loadClientsFile(config.idp.clientsFile, random, clock.now()) : [];
  const clients = createOidcClients({ queries: d.queries, audit: d.audit, clock, random, fromFile });
  const browser = createBrowserContext();
  const signing = config.idp.enabled
    ? await providerKeyRing({
        ...{ keys: d.keys, queries: d.queries, box: d.keysBox, clock, audit: d.audit },
        refreshMs: config.jwt.keyRefreshSeconds * 1000,
      })
    : undefined;
  // Made before the provider, which tells it of the grants it deletes; it reaches the provider when it sends.
  const backchannel =
    signing &&
    createBackchannelLogout({
      provider: (): Promise<OidcProvider> => live!.current(),
      queries: d.queries,
      sessions: d.sessions,
      clock,
      log: d.log,
    });
  const live: LiveProvider | undefined =
    signing &&
    createLiveProvider(signing.ring, {
      grantDeleted: backchannel && ((grant) => backchannel.deleted(grant)),
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
  if (live && backchannel) {
    // RP-initiated logout posts its logout tokens itself, once: a client is told, whatever it answered.
    const told = (client: unknown, accountId: unknown, sid: unknown) =>
      backchannel.toldAtLogout((client as { clientId: string }).clientId, String(accountId), String(sid));
    live.each((p) => {
      p.on('grant.revoked', (ctx, grantId) =>
        backchannel.revoked(String(grantId), (ctx as { oidc?: { route?: string } }).oidc?.route),
      );
      p.on('backchannel.success', (_ctx, client, accountId, sid) => told(client, accountId, sid));
      p.on('backchannel.error', (_ctx, _err, client, accountId, sid) => told(client, accountId, sid));
    });
    d.sessions.onAllEnded((userId, _reason, except) => backchannel.userEnded(userId, except));
    d.sessions.onEnded((_userId, sessionId, door) => backchannel.sessionEnded(sessionId, door));
    clients.removeWith((clientId, remove) => backchannel.clientRemoved(clientId, remove));
  }
  const interactions = createOidcInteractions({
    provider,
    browser,
    pipeline: d.pipeline,
    proveMfa: (ticket, proof, client, door) => d.auth.proveSecondStep(ticket, proof, client, door),
    methodsOf: (ticket) => d.auth.secondFactorsOfTicket(ticket),
    passkeyOptions: d.passkeys && ((ticket) => d.passkeys!.secondFactorOptions(ticket)),
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
