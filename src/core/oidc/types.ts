import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The parts of oidc-provider 8 Gatehouse uses, typed here: the package ships no types. Kept loose where
 * oidc-provider's own objects pass through untouched.
 */
export interface OidcClientModel {
  clientId: string;
  clientName?: string;
  clientSecret?: string;
  tokenEndpointAuthMethod: string;
  sectorIdentifier?: string;
  grantTypeAllowed(type: string): boolean;
  backchannelLogout(sub: string, sid?: string): Promise<void>;
  backchannelLogoutUri?: string;
  [key: string]: unknown;
}

export interface OidcCtx {
  host: string;
  ip: string;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
  get(name: string): string;
  oidc: { client?: OidcClientModel; [key: string]: unknown };
}

export interface GrantModel {
  jti?: string;
  accountId?: string;
  clientId?: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface InteractionDetails {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown> & { client_id?: string; scope?: string };
  /** The provider session the interaction began in (`cookie`: its id), when it had signed in. */
  session?: { accountId?: string; uid?: string; cookie?: string };
  grantId?: string;
  lastSubmission?: Record<string, unknown>;
  /** When it expires (seconds since the epoch); `save` stores it again for `ttl` seconds. */
  exp: number;
  save(ttl: number): Promise<string>;
}

/** A browser's session at the provider: the clients signed in through it, each with its grant and `sid`. */
export interface SessionModel {
  accountId?: string;
  authorizations?: Record<string, { grantId?: string; sid?: string }>;
  destroy(): Promise<void>;
  /** Saves it again for the rest of its life. */
  persist(): Promise<string>;
}

export interface InteractionResult {
  login?: { accountId: string; amr?: string[]; remember?: boolean; ts?: number };
  consent?: { grantId: string };
  error?: string;
  error_description?: string;
}

export interface OidcProvider {
  proxy: boolean;
  issuer: string;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionResult(req: IncomingMessage, res: ServerResponse, result: InteractionResult, o?: object): Promise<string>;
  Grant: {
    new (o: { jti?: string; accountId: string; clientId: string }): GrantModel;
    find(id: string): Promise<GrantModel | undefined>;
  };
  Session: { find(id: string): Promise<SessionModel | undefined>; prototype: { persist(): Promise<unknown> } };
  IdToken: { prototype: { payload(this: unknown): Promise<Record<string, unknown>> } };
  Client: {
    prototype: { compareClientSecret: (actual: unknown) => Promise<boolean> };
    find(id: string): Promise<OidcClientModel | undefined>;
  };
  on(event: string, listener: (...args: unknown[]) => void): void;
  /** A Koa middleware before oidc-provider's routes (it sees their answers after `next`). */
  use(middleware: (ctx: OidcKoaCtx, next: () => Promise<void>) => Promise<void>): void;
}

/** What a Koa middleware of oidc-provider reads of its context. */
export interface OidcKoaCtx {
  method: string;
  path: string;
  req: IncomingMessage;
  request: { req: IncomingMessage };
  body: unknown;
  is(type: string): string | false | null;
  oidc?: { route?: string; client?: { clientSecret?: string } };
}

/** oidc-provider's error classes Gatehouse throws (rendered by it in OAuth's format). */
export interface ProviderErrors {
  InvalidClientMetadata: new (description: string) => Error;
}

export type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
