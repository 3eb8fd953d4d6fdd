import type { Queries } from '../../db/queries/index.js';
import type { OidcClientRow } from '../../db/queries/oidc-clients.js';
import type { OidcGrantRef } from '../../db/queries/oidc-store.js';
import type { Clock } from '../clock.js';
import { sha256 } from '../hash.js';
import type { SecretBox } from '../mfa/secret-box.js';
import { SYSTEM } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { BrowserContext } from './browser.js';

type Payload = Record<string, unknown> & { grantId?: string; accountId?: string; uid?: string; userCode?: string };

/** A hundred years: "no expiry" in a column that housekeeping reads. */
const NEVER_SECONDS = 100 * 365 * 86_400;

/** The payload field of a provider session naming its browser's single sign-on session. */
const SSO = 'urn:gatehouse:sso';

/** Codes, issued once per sign-in: they name the provider session (`sid`) their grant belongs to. */
const NAMES_SID = new Set(['AuthorizationCode', 'DeviceCode']);

/** Models whose every object belongs to a grant, and so to the Gatehouse session the grant is. */
const OF_A_GRANT = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode']);

/** The metadata oidc-provider reads for one client (the secret only as its hash: see `provider.ts`). */
export function clientMetadata(c: OidcClientRow): Record<string, unknown> {
  const codeFlow = c.grantTypes.includes('authorization_code');
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.secretHash ? { client_secret: c.secretHash } : {}),
    token_endpoint_auth_method: c.authMethod,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: codeFlow ? c.grantTypes : c.grantTypes.filter((g) => g !== 'refresh_token'),
    response_types: codeFlow ? ['code'] : [],
    ...(c.backchannelLogoutUri
      ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    'urn:gatehouse:trusted': c.trusted,
    'urn:gatehouse:allowed_roles': c.allowedRoles,
  };
}

export interface AdapterDeps {
  queries: Queries;
  box: SecretBox;
  clock: Clock;
  sessions: SessionRegistry;
  browser: BrowserContext;
  findClient: (clientId: string) => Promise<OidcClientRow | undefined>;
  /** A grant oidc-provider deleted (its `revoke`: reuse detection, revocation, logout), for back-channel logout. */
  grantDeleted?: (grant: OidcGrantRef) => void;
  /** Dynamic registration: stores (or updates) a client from its registered metadata; `drop` deletes it. */
  registerClient: (metadata: Record<string, unknown>) => Promise<void>;
  dropClient: (clientId: string) => Promise<void>;
}

/**
 * oidc-provider's storage in the database. Rows are keyed by a hash of the id (a token or code is its
 * own id), payloads are sealed. A grant is a Gatehouse session (its id is the session's id): an object
 * of a grant whose session ended (logout-all, disable, ban, delete, password reset…) is not found, and
 * destroying a grant (refresh token reuse, code reuse, revocation, logout) ends the session.
 */
export function createAdapterClass(d: AdapterDeps) {
  const { queries, box, clock } = d;
  const endSession = (grantId: string) =>
    d.sessions.revoke(grantId, { actor: SYSTEM, reason: 'admin' }).then(() => undefined);

  async function alive(model: string, id: string, p: Payload): Promise<boolean> {
    // The provider's browser session is the browser's own single sign-on session: in a browser's request it
    // counts while that browser's cookie names a live session of the same user; elsewhere (a relying party's
    // token request) while the session of the browser that saved it (`SSO`, stamped) lives. Signing out of it,
    // logout-all, disabling… end it, for that browser only.
    if (model === 'Session' && p.accountId) {
      const bound = d.browser.inBrowser() ? d.browser.sso() : { userId: p.accountId, sessionId: p[SSO] };
      if (bound?.userId !== p.accountId || typeof bound.sessionId !== 'string') return false;
      try {
        await d.sessions.check(bound.userId, bound.sessionId);
        return true;
      } catch {
        return false;
      }
    }
    const sessionId = model === 'Grant' ? id : OF_A_GRANT.has(model) ? p.grantId : undefined;
    if (!sessionId || !p.accountId) return true;
    try {
      await d.sessions.check(p.accountId, sessionId);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The grants of a provider session's authorizations (their store keys), the `sid` of each and the sign-on session
   * it ends with: `sso`, but for a grant with `offline_access` (oidc-provider's `persistsLogout`), which outlives the
   * sign-on as it outlives RP-initiated logout: its client asked to act while the user is away.
   */
  function grantsIn(p: Payload, sso: string) {
    type Authorization = { grantId?: unknown; sid?: unknown; persistsLogout?: unknown };
    const authorizations = (p.authorizations ?? {}) as Record<string, Authorization>;
    return Object.values(authorizations).flatMap((a) =>
      typeof a.grantId === 'string'
        ? [
            {
              key: sha256(`Grant:${a.grantId}`),
              sid: typeof a.sid === 'string' ? a.sid : null,
              ssoSessionId: a.persistsLogout === true ? null : sso,
            },
          ]
        : [],
    );
  }

  /** A provider session with a user is bound to the single sign-on session of the browser that saves it. */
  function stamped(p: Payload): Payload {
    const sso = d.browser.sso();
    const { [SSO]: _old, ...rest } = p;
    return p.accountId && sso?.userId === p.accountId ? { ...rest, [SSO]: sso.sessionId } : rest;
  }

  return class GatehouseAdapter {
    constructor(readonly model: string) {}

    private key(id: string) {
      return sha256(`${this.model}:${id}`);
    }

    private async open(
      found: { payload: string; consumedAt: Date | null } | undefined,
      id?: string,
    ): Promise<Payload | undefined> {
      if (!found) return undefined;
      const p = JSON.parse(box.open(found.payload)) as Payload;
      if (found.consumedAt) p.consumed = Math.floor(found.consumedAt.getTime() / 1000);
      return (await alive(this.model, id ?? String(p.jti ?? ''), p)) ? p : undefined;
    }

    async upsert(id: string, given: Payload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') return d.registerClient(given);
      const session = this.model === 'Session';
      const payload = session ? stamped(given) : given;
      const sso = typeof payload[SSO] === 'string' ? payload[SSO] : null;
      await queries.oidcStore.upsert({
        key: this.key(id),
        model: this.model,
        payload: box.seal(JSON.stringify(payload)),
        grantId: this.model === 'Grant' ? id : (payload.grantId ?? null),
        accountId: this.model === 'Grant' || session ? (payload.accountId ?? null) : null,
        clientId: this.model === 'Grant' ? ((payload.clientId as string | undefined) ?? null) : null,
        uidHash: payload.uid ? sha256(payload.uid) : null,
        userCodeHash: payload.userCode ? sha256(payload.userCode) : null,
        // Registration access tokens never expire: oidc-provider gives them no lifetime.
        expiresAt: new Date(clock.now().getTime() + (Number.isFinite(expiresIn) ? expiresIn : NEVER_SECONDS) * 1000),
        ...(session ? { ssoSessionId: sso } : {}),
      });
      // The grants signed in through this provider session belong to the browser's sign-on session (0033).
      if (session && sso) await queries.oidcStore.linkGrants(grantsIn(payload, sso));
      if (NAMES_SID.has(this.model) && typeof payload.sid === 'string' && payload.grantId)
        await queries.oidcStore.setGrantSid(sha256(`Grant:${payload.grantId}`), payload.sid);
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') {
        const c = await d.findClient(id);
        return c && clientMetadata(c);
      }
      return this.open(await queries.oidcStore.find(this.key(id), clock.now()), id);
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return this.open(await queries.oidcStore.findByUid(this.model, sha256(uid), clock.now()));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return this.open(await queries.oidcStore.findByUserCode(this.model, sha256(userCode), clock.now()));
    }

    async consume(id: string): Promise<void> {
      await queries.oidcStore.consume(this.key(id), clock.now());
    }

    async destroy(id: string): Promise<void> {
      if (this.model === 'Client') return d.dropClient(id);
      const grant = await queries.oidcStore.destroy(this.key(id));
      if (grant) d.grantDeleted?.(grant);
      if (this.model === 'Grant') await endSession(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grant = await queries.oidcStore.revokeByGrantId(grantId);
      if (grant) d.grantDeleted?.(grant);
      await endSession(grantId);
    }
  };
}
