import type { Config } from '../../config/load.js';
import { PROVIDERS, type ProviderName } from '../../config/federation.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { AuthService, SignInResult } from '../auth/service.js';
import { canSignIn as canSignInAt } from '../sessions/registry.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { SecretBox } from '../mfa/secret-box.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { ClientInfo } from '../sessions/refresh-tokens.js';
import type { TicketShape, Tickets } from '../tickets/service.js';
import type { User, UserService } from '../users/service.js';
import { isAllowedRedirect } from '../redirect-allow-list.js';
import { createProviderAccounts } from './accounts.js';
import type { FlowSecrets } from './oauth-client.js';

/** How long a started sign-in may take at the provider. */
const FLOW_MINUTES = 10;

/** What the browser carries (sealed, in a cookie) from the start of a sign-in to its callback. */
interface Flow extends FlowSecrets {
  provider: string;
  redirectUrl: string;
  cookieMode: boolean;
  expiresAt: number;
  /** Set when a signed-in user links the provider from their session: the callback links it to them. */
  linkTo?: { userId: string; sessionId: string };
  /** The query parameter the final redirect carries the refresh token in (HBP's `refresh_token` when absent). */
  tokenParam?: string;
  /** Where the final redirect carries it, for a door with a setting of its own (REDIRECT_TOKEN_IN when absent). */
  tokenIn?: 'query' | 'fragment';
}

export interface ProviderDeps {
  config: Config;
  queries: Queries;
  users: UserService;
  auth: AuthService;
  tickets: Tickets;
  audit: Audit;
  clock: Clock;
  box: SecretBox;
  sessions: SessionRegistry;
}

const badFlow = () => errors.invalidState();

/** Sign-in with OAuth 2.0 / OpenID Connect providers, and the links between users and their outside accounts. */
export async function createProviderService(deps: ProviderDeps) {
  const { config, queries, clock, box } = deps;
  const settings = config.federation.providers;
  // openid-client and jose are loaded only when a provider is configured.
  const oauth = settings.length ? await import('./oauth-client.js') : undefined;
  const clients = new Map(
    settings.map((p) => [
      p.name,
      oauth!.createOAuthClient(p, `${config.server.url}/auth/providers/${p.name}/callback`),
    ]),
  );
  const accountFor = createProviderAccounts({
    queries,
    users: deps.users,
    clock,
    audit: deps.audit,
    roles: { defaults: config.users.defaultAllowedRoles, defaultRole: config.users.defaultRole },
    linkUnproven: config.federation.linkUnproven,
    endSessions: (userId) =>
      deps.sessions.revokeAll(userId, { actor: { kind: 'system', id: null }, reason: 'account-takeover' }),
  });
  const allowedRedirects = [config.lifecycle.redirectSuccess, ...config.federation.allowedRedirectUrls];

  function clientOf(name: string) {
    const client = clients.get(name as ProviderName);
    if (!client)
      throw errors.notFound(
        PROVIDERS.includes(name as ProviderName) ? `The provider ${name} is not configured` : `No provider ${name}`,
      );
    return client;
  }

  /** After the provider proved the person: the account's state, its second factor, the audit, the session. */
  async function conclude(
    name: string,
    user: User,
    client: ClientInfo,
    door: string,
    shape: TicketShape = 'opaque',
  ): Promise<SignInResult> {
    const event = {
      actor: user.id,
      action: 'login',
      subject: user.id,
      door: door === 'hbp' ? 'hbp-oauth' : door,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { provider: name },
    };
    if (!canSignInAt(user, deps.clock.now())) {
      await deps.audit.record({
        ...event,
        outcome: 'failure',
        detail: { provider: name, reason: 'account cannot sign in' },
      });
      throw errors.invalidCredentials('The account cannot sign in');
    }
    // The provider proved one factor: an account with a second one (TOTP, a passkey) is asked for it.
    const methods = await deps.auth.secondFactorsOf(user);
    if (methods.length) {
      await deps.audit.record({ ...event, outcome: 'mfa_required' });
      return { kind: 'mfa', mfaTicket: await deps.tickets.issue('mfa', user, null, shape), methods };
    }
    await queries.users.touchLogin(user.id, clock.now());
    await deps.audit.record({ ...event, outcome: 'success' });
    return { kind: 'session', session: await deps.auth.startSession(user, client, door) };
  }

  return {
    enabled: () => [...clients.keys()],
    formPost: (name: string) => clients.get(name as ProviderName)?.formPost ?? false,

    /** The provider's authorization URL, and the sealed flow the browser keeps until the callback. */
    /** `linkTo`: the caller's session, when a signed-in user links the provider to their account. */
    async start(
      name: string,
      opts: {
        redirectUrl?: string;
        cookieMode: boolean;
        linkTo?: { userId: string; sessionId: string };
        /** For a door whose clients read the token under another name (hasura-auth's `refreshToken`). */
        tokenParam?: string;
        tokenIn?: 'query' | 'fragment';
      },
    ): Promise<{ url: string; flow: string; maxAgeSeconds: number }> {
      const client = clientOf(name);
      if (opts.redirectUrl !== undefined && !isAllowedRedirect(opts.redirectUrl, allowedRedirects))
        throw errors.redirectNotAllowed();
      const { url, secrets } = await client.authorizationUrl();
      const flow: Flow = {
        ...secrets,
        provider: name,
        redirectUrl: opts.redirectUrl ?? config.lifecycle.redirectSuccess,
        cookieMode: opts.cookieMode,
        expiresAt: clock.now().getTime() + FLOW_MINUTES * 60_000,
      };
      if (opts.linkTo) flow.linkTo = opts.linkTo;
      if (opts.tokenParam) flow.tokenParam = opts.tokenParam;
      if (opts.tokenIn) flow.tokenIn = opts.tokenIn;
      return { url, flow: box.seal(JSON.stringify(flow)), maxAgeSeconds: FLOW_MINUTES * 60 };
    },

    /** Opens the flow cookie; undefined when absent, tampered with, for another provider or expired. */
    openFlow(name: string, sealed: string | undefined): Flow | undefined {
      if (!sealed) return undefined;
      try {
        const flow = JSON.parse(box.open(sealed)) as Flow;
        return flow.provider === name && flow.expiresAt > clock.now().getTime() ? flow : undefined;
      } catch {
        return undefined;
      }
    },

    /**
     * A sign-in (or, with `linkTo`, a link) with an ID token the app got from the provider itself: checked by
     * the provider's keys, then the same accounts, MFA and audit as a redirect sign-in.
     */
    async signInWithIdToken(
      name: string,
      token: { idToken: string; nonce?: string },
      client: ClientInfo,
      door: { name: string; ticketShape?: TicketShape },
    ): Promise<SignInResult> {
      const provider = clientOf(name);
      const profile = await provider.idTokenProfile(token.idToken, token.nonce);
      const user = await accountFor(settings.find((p) => p.name === name)!, profile, undefined);
      return conclude(name, user, client, door.name, door.ticketShape);
    },

    /** Links the provider account of an ID token to the signed-in caller (whose session needs a fresh proof). */
    async linkWithIdToken(
      name: string,
      token: { idToken: string; nonce?: string },
      caller: { userId: string; sessionId: string },
      client: ClientInfo,
      door: string,
    ): Promise<void> {
      const provider = clientOf(name);
      const profile = await provider.idTokenProfile(token.idToken, token.nonce);
      await deps.sessions.check(caller.userId, caller.sessionId);
      const user = await accountFor(settings.find((p) => p.name === name)!, profile, caller.userId);
      const detail = { provider: name, subject: profile.subject };
      const event = { actor: user.id, action: 'provider.link', subject: user.id, door, detail };
      await deps.audit.record({ ...event, outcome: 'success', ip: client.ip, userAgent: client.userAgent });
    },

    /** Finishes the sign-in: code exchange, account, then a session or (for MFA users) a ticket. */
    async finish(
      name: string,
      flow: Flow | undefined,
      callback: URL | Request,
      client: ClientInfo,
    ): Promise<SignInResult> {
      const provider = clientOf(name);
      if (!flow) throw badFlow();
      const profile = await provider.profile(callback, flow);
      // A link started from a session that has ended since (logout, revocation) links nothing.
      if (flow.linkTo) await deps.sessions.check(flow.linkTo.userId, flow.linkTo.sessionId);
      const user = await accountFor(settings.find((p) => p.name === name)!, profile, flow.linkTo?.userId);
      if (flow.linkTo) {
        const detail = { provider: name, subject: profile.subject };
        const { ip, userAgent } = client;
        const linked = { actor: user.id, action: 'provider.link', subject: user.id, door: 'hbp-oauth', detail };
        await deps.audit.record({ ...linked, ip, userAgent, outcome: 'success' });
      }
      return conclude(name, user, client, 'hbp');
    },

    async linked(userId: string) {
      return (await queries.userIdentities.ofUser(userId)).map((i) => ({
        provider: i.provider,
        email: i.email,
        linkedAt: i.createdAt,
        lastUsedAt: i.lastUsedAt,
      }));
    },

    /** Unlinks a provider, unless it is the user's last way to sign in. */
    async unlink(userId: string, name: string): Promise<void> {
      const user = await deps.users.get(userId);
      if (!user) throw errors.unauthenticated();
      const identities = await queries.userIdentities.ofUser(userId);
      if (!identities.some((i) => i.provider === name)) throw errors.notFound(`No ${name} account is linked`);
      const others = identities.filter((i) => i.provider !== name).length;
      const byMail = config.lifecycle.magicLink && user.emailVerified;
      if (!user.passwordHash && others === 0 && !byMail) throw errors.lastSignInMethod();
      await queries.userIdentities.remove(userId, name);
    },
  };
}

export type ProviderService = Awaited<ReturnType<typeof createProviderService>>;
