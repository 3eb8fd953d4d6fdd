import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginPipeline } from '../auth/pipeline.js';
import type { SecondStepProof } from '../auth/second-step.js';
import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';
import { errors } from '../errors.js';
import { rolesFor } from './claims.js';
import type { OidcClients } from './clients.js';
import type { InteractionDetails, OidcProvider } from './types.js';
import type { BrowserContext } from './browser.js';

import { OIDC_DOOR, SSO_DOOR } from './doors.js';

export { OIDC_DOOR, SSO_DOOR };

export interface LoginForm {
  identifier: string;
  password: string;
  code?: string;
  realm?: string;
}

type SignedIn = { kind: 'signed-in'; user: User; amr: string[] };
export type LoginOutcome = SignedIn | { kind: 'second-factor'; ticket: string; methods: string[] };

/**
 * The provider's interactions: signing in through the one login pipeline, the browser's single sign-on
 * session (a Gatehouse session, door `sso`), and consent, which opens the grant's own Gatehouse session.
 */
export function createOidcInteractions(d: {
  provider: (() => Promise<OidcProvider>) | undefined;
  browser: BrowserContext;
  pipeline: LoginPipeline;
  /** The second step of an MFA login (the ticket of the first and a code or passkey): the user it proves. */
  proveMfa: (ticket: string, proof: SecondStepProof, client: ClientInfo, door: string) => Promise<User>;
  /** The second factors of a live MFA ticket's user (none for a spent or unknown ticket). */
  methodsOf: (ticket: string) => Promise<string[]>;
  /** A passkey's options for the second step bound to this ticket; absent when passkeys are off. */
  passkeyOptions?: (ticket: string) => Promise<object>;
  sessions: SessionRegistry;
  users: UserService;
  clients: OidcClients;
  grantSeconds: number;
}) {
  const { pipeline, sessions } = d;

  const interactions = {
    /**
     * Password through the one pipeline: same limits, throttles and audit as every door. An account with a
     * second factor gets an MFA ticket for the second step (`secondStep`), as the HBP door does.
     */
    async login(form: LoginForm, client: ClientInfo): Promise<LoginOutcome> {
      const result = await pipeline.authenticate({
        door: OIDC_DOOR,
        identifier: form.identifier,
        password: form.password,
        secondFactor: 'ticket',
        realm: form.realm || undefined,
        client,
      });
      if (result.kind === 'second-factor-required')
        return { kind: 'second-factor', ticket: result.ticket ?? '', methods: result.methods ?? [] };
      return { kind: 'signed-in', user: result.user, amr: ['pwd'] };
    },

    /** The second step: the first step's ticket and a TOTP (or recovery) code, or a passkey's assertion. */
    async secondStep(ticket: string, proof: SecondStepProof, client: ClientInfo): Promise<SignedIn> {
      const user = await d.proveMfa(ticket, proof, client, OIDC_DOOR);
      return { kind: 'signed-in', user, amr: ['pwd', proof.method === 'totp' ? 'otp' : 'hwk'] };
    },

    /** What the second step's page offers: the ticket's user's second factors, read again from the account. */
    methodsOf: (ticket: string) => d.methodsOf(ticket),

    /** The options of a passkey's second step (each call counts as one of the ticket's tries). */
    async passkeyOptions(ticket: string): Promise<object> {
      if (!d.passkeyOptions) throw errors.featureDisabled();
      return d.passkeyOptions(ticket);
    },

    /** Opens the browser's single sign-on session; its id and user go into a signed cookie. */
    openSso: (user: User, client: ClientInfo) => sessions.open(user.id, SSO_DOOR, client, d.grantSeconds * 1000),

    /** The user of a single sign-on cookie's session, if it still lives and the account may act. */
    async checkSso(value: string | undefined): Promise<User | undefined> {
      const [userId, sessionId] = value?.split('.') ?? [];
      if (!userId || !sessionId) return undefined;
      try {
        return await sessions.check(userId, sessionId);
      } catch {
        return undefined;
      }
    },

    endSso: async (value: string | undefined) => {
      const [userId, sessionId] = value?.split('.') ?? [];
      if (userId && sessionId) await sessions.revoke(sessionId, { userId, actor: { kind: 'user', id: userId } });
    },

    /** The interaction of this request (its cookie), for the browser whose single sign-on cookie is `sso`. */
    async details(req: IncomingMessage, res: ServerResponse, sso: string | undefined): Promise<InteractionDetails> {
      const p = await provider();
      return d.browser.run(sso, () => p.interactionDetails(req, res));
    },

    /**
     * Signs the interaction in as `user`; `sso` is the browser's single sign-on cookie as its request carried it.
     * After a sign-in on the page (`replacing`: its interaction and the cookie of the sign-on session just opened),
     * the previous sign-on of the browser ends rather than living beside the new one (`endPrevious`).
     */
    async finishLogin(
      req: IncomingMessage,
      res: ServerResponse,
      user: User,
      amr: string[],
      sso: string | undefined,
      replacing?: { details: InteractionDetails; signOn: string },
    ) {
      const p = await provider();
      if (replacing) await endPrevious(p, replacing.details, sso, user, replacing.signOn);
      const login = { accountId: user.id, amr, remember: true };
      // The browser holds the new sign-on's cookie from this answer on.
      const browser = replacing?.signOn ?? sso;
      return d.browser.run(browser, () => p.interactionResult(req, res, { login }, { mergeWithLastSubmission: false }));
    },

    async abort(req: IncomingMessage, res: ServerResponse, error: string, description: string, sso?: string) {
      const p = await provider();
      const result = { error, error_description: description };
      return d.browser.run(sso, () => p.interactionResult(req, res, result, { mergeWithLastSubmission: false }));
    },

    /** The client's settings and whether it skips the consent screen. */
    client: (clientId: string) => d.clients.findRow(clientId),

    /**
     * Grants what the interaction asks for: the grant is a Gatehouse session (door `oidc`), so ending
     * the user's sessions ends it. Refused (access_denied) when the client admits none of the user's roles.
     */
    async consent(
      req: IncomingMessage,
      res: ServerResponse,
      details: InteractionDetails,
      client: ClientInfo,
      sso: string | undefined,
    ) {
      const p = await provider();
      const accountId = details.session?.accountId;
      const clientId = String(details.params.client_id ?? '');
      const settings = await d.clients.findRow(clientId);
      const user = accountId ? await d.users.get(accountId) : undefined;
      if (!user || !settings) return this.abort(req, res, 'access_denied', 'The sign-in is no longer valid', sso);
      if (settings.allowedRoles.length && rolesFor(user, settings.allowedRoles).length === 0)
        return this.abort(req, res, 'access_denied', 'This account may not use this application', sso);
      let grant = details.grantId ? await p.Grant.find(details.grantId) : undefined;
      if (!grant) {
        const session = await sessions.open(user.id, OIDC_DOOR, client, d.grantSeconds * 1000);
        grant = new p.Grant({ jti: session.id, accountId: user.id, clientId });
      }
      const missing = details.prompt.details;
      const scopes = missing.missingOIDCScope as string[] | undefined;
      const claims = missing.missingOIDCClaims as string[] | undefined;
      const resources = missing.missingResourceScopes as Record<string, string[]> | undefined;
      if (scopes?.length) grant.addOIDCScope(scopes.join(' '));
      if (claims?.length) grant.addOIDCClaims(claims);
      for (const [indicator, s] of Object.entries(resources ?? {})) grant.addResourceScope(indicator, s.join(' '));
      const grantId = await grant.save();
      const result = { consent: { grantId } };
      return d.browser.run(sso, () => p.interactionResult(req, res, result, { mergeWithLastSubmission: true }));
    },
  };
  return interactions;

  /**
   * A new sign-in in a browser already signed on (prompt=login, a max_age that passed, another account) replaces the
   * previous sign-on's Gatehouse session. The same account proving itself again keeps its provider session (its
   * `sid`s, grants and consents), now bound to the new sign-on (`signOn`), so that ending the old one ends nothing
   * else. Another account ends the provider session of the interaction with the grants made in it (their clients get
   * a back-channel logout: their sign-in belonged to the session that ends); the interaction forgets that session,
   * so the provider starts a new one (new `sid`s) for the new sign-in.
   */
  async function endPrevious(
    p: OidcProvider,
    details: InteractionDetails,
    sso: string | undefined,
    user: User,
    signOn: string,
  ) {
    const actor = { kind: 'user' as const, id: user.id };
    const before = details.session;
    // Read and saved as the browser with its new sign-on cookie: the storage links it (and its grants) to it. Gone
    // meanwhile (its sign-on ended since the page was shown), it is forgotten as another account's would be.
    const kept =
      before?.cookie && before.accountId === user.id
        ? await d.browser.run(signOn, async () => {
            const session = await p.Session.find(before.cookie!);
            await session?.persist();
            return session !== undefined;
          })
        : false;
    if (!kept && before?.cookie) {
      const session = await d.browser.run(sso, () => p.Session.find(before.cookie!));
      for (const { grantId } of Object.values(session?.authorizations ?? {}))
        if (grantId) await sessions.revoke(grantId, { userId: before.accountId, actor });
      await session?.destroy();
      details.session = undefined;
      // Its remaining life, in oidc-provider's own time (the real clock, as it judges every expiry).
      await details.save(details.exp - Math.floor(Date.now() / 1000));
    }
    const previous = await interactions.checkSso(sso);
    if (previous) await interactions.endSso(sso);
  }

  function provider(): Promise<OidcProvider> {
    if (!d.provider) throw new Error('the OpenID Connect provider is not enabled');
    return d.provider();
  }
}

export type OidcInteractions = ReturnType<typeof createOidcInteractions>;
