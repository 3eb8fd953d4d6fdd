import { readFileSync } from 'node:fs';
import type { Queries } from '../../db/queries/index.js';
import type { OidcClientRow } from '../../db/queries/oidc-clients.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import type { Actor } from '../sessions/actor.js';

export type OidcClient = Omit<OidcClientRow, 'secretHash'> & { confidential: boolean; readOnly: boolean };

export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
] as const;
export const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;

export interface OidcClientInput {
  clientId?: string;
  name: string;
  /** Public clients (SPAs, mobile apps, CLIs) have no secret and must use PKCE. */
  public?: boolean;
  authMethod?: (typeof AUTH_METHODS)[number];
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  allowedRoles?: string[];
  trusted?: boolean;
  backchannelLogoutUri?: string | null;
}

const ID = /^[A-Za-z0-9._~-]{3,64}$/;

function checkUri(uri: string, what: string): void {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw errors.oidcClientInvalid(`${what}: ${uri} is not an absolute URL`);
  }
  if (u.hash) throw errors.oidcClientInvalid(`${what}: ${uri} must not carry a fragment`);
  if (u.protocol === 'javascript:' || u.protocol === 'data:')
    throw errors.oidcClientInvalid(`${what}: ${uri} has a forbidden scheme`);
}

/** Checks and completes a client's settings (what the admin API, the CLI and the clients file give). */
export function normalizeClient(input: OidcClientInput, random: Random, now: Date, previous?: OidcClientRow) {
  const clientId = input.clientId ?? previous?.clientId ?? random.bytes(12).toString('base64url');
  if (!ID.test(clientId)) throw errors.oidcClientInvalid('client_id: 3 to 64 letters, digits or ._~-');
  const grantTypes = [...new Set(input.grantTypes ?? ['authorization_code', 'refresh_token'])];
  const unknown = grantTypes.filter((g) => !(GRANT_TYPES as readonly string[]).includes(g));
  if (unknown.length) throw errors.oidcClientInvalid(`grant_types: unknown ${unknown.join(', ')}`);
  const authMethod = input.public ? 'none' : (input.authMethod ?? previous?.authMethod ?? 'client_secret_basic');
  if (authMethod === 'none' && grantTypes.includes('client_credentials'))
    throw errors.oidcClientInvalid('grant_types: a public client cannot use client_credentials');
  if (grantTypes.includes('authorization_code') && input.redirectUris.length === 0)
    throw errors.oidcClientInvalid('redirect_uris: the authorization code grant needs at least one');
  for (const uri of input.redirectUris) checkUri(uri, 'redirect_uris');
  for (const uri of input.postLogoutRedirectUris ?? []) checkUri(uri, 'post_logout_redirect_uris');
  if (input.backchannelLogoutUri) checkUri(input.backchannelLogoutUri, 'backchannel_logout_uri');
  const row: OidcClientRow = {
    clientId,
    name: input.name.trim() || clientId,
    secretHash: authMethod === 'none' ? null : (previous?.secretHash ?? null),
    authMethod,
    redirectUris: [...new Set(input.redirectUris)],
    postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris ?? [])],
    grantTypes,
    allowedRoles: [...new Set(input.allowedRoles ?? [])],
    trusted: input.trusted ?? false,
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  return row;
}

/**
 * Reads OIDC_CLIENTS_FILE: `clients: [{client_id, client_secret_hash | public: true, redirect_uris, …}]`. The YAML
 * parser is loaded only when the file is configured.
 */
export async function loadClientsFile(file: string, random: Random, now: Date): Promise<OidcClientRow[]> {
  const { parse } = await import('yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { clients?: Record<string, unknown>[] } | null;
  return (doc?.clients ?? []).map((c) => {
    const row = normalizeClient(
      {
        clientId: String(c.client_id),
        name: String(c.name ?? c.client_id),
        public: c.public === true,
        authMethod: c.token_endpoint_auth_method as OidcClientInput['authMethod'],
        redirectUris: (c.redirect_uris as string[] | undefined) ?? [],
        postLogoutRedirectUris: c.post_logout_redirect_uris as string[] | undefined,
        grantTypes: c.grant_types as string[] | undefined,
        allowedRoles: c.allowed_roles as string[] | undefined,
        trusted: c.trusted === true,
        backchannelLogoutUri: (c.backchannel_logout_uri as string | undefined) ?? null,
      },
      random,
      now,
    );
    if (row.authMethod !== 'none') {
      // The file holds the SHA-256 of the secret (base64url), never the secret: `gatehouse oidc hash-secret`.
      if (typeof c.client_secret_hash !== 'string')
        throw new Error(`${file}: client ${row.clientId} needs client_secret_hash (or public: true)`);
      row.secretHash = c.client_secret_hash;
    }
    return row;
  });
}

/** Runs the deletion of a client (`remove`); see `removeWith`. */
type Removal = (clientId: string, remove: () => Promise<void>) => Promise<void>;

/** The relying parties: in the database (admin API, CLI) and, read-only, from OIDC_CLIENTS_FILE. */
export function createOidcClients(o: {
  queries: Queries;
  audit: Audit;
  clock: Clock;
  random: Random;
  fromFile: OidcClientRow[];
}) {
  const { queries, clock, random } = o;
  const fileClients = new Map(o.fromFile.map((c) => [c.clientId, c]));
  const present = (row: OidcClientRow, readOnly: boolean): OidcClient => {
    const { secretHash, ...rest } = row;
    return { ...rest, confidential: secretHash !== null, readOnly };
  };
  const newSecret = () => {
    const secret = random.bytes(32).toString('base64url');
    return { secret, hash: sha256(secret) };
  };
  const record = (actor: Actor, action: string, subject: string) => o.audit.recordBy(actor, action, subject);
  let removal: Removal = (_clientId, remove) => remove();
  async function writable(clientId: string): Promise<OidcClientRow> {
    if (fileClients.has(clientId)) throw errors.oidcClientReadOnly();
    const row = await queries.oidcClients.find(clientId);
    if (!row) throw errors.notFound('No such client');
    return row;
  }

  return {
    /** The stored settings, secret hash included (for the provider only). */
    async findRow(clientId: string): Promise<OidcClientRow | undefined> {
      return fileClients.get(clientId) ?? (await queries.oidcClients.find(clientId));
    },

    async get(clientId: string): Promise<OidcClient> {
      const file = fileClients.get(clientId);
      if (file) return present(file, true);
      const row = await queries.oidcClients.find(clientId);
      if (!row) throw errors.notFound('No such client');
      return present(row, false);
    },

    async list(): Promise<OidcClient[]> {
      const rows = await queries.oidcClients.list();
      return [...o.fromFile.map((r) => present(r, true)), ...rows.map((r) => present(r, false))];
    },

    /** Creates a client; its secret (confidential clients) is in this answer and nowhere else. */
    async create(input: OidcClientInput, actor: Actor): Promise<{ client: OidcClient; secret?: string }> {
      const row = normalizeClient(input, random, clock.now());
      if (fileClients.has(row.clientId) || (await queries.oidcClients.find(row.clientId)))
        throw errors.oidcClientExists();
      const secret = row.authMethod === 'none' ? undefined : newSecret();
      row.secretHash = secret?.hash ?? null;
      await queries.oidcClients.insert(row);
      await record(actor, 'oidc-client.create', row.clientId);
      return { client: present(row, false), secret: secret?.secret };
    },

    async update(
      clientId: string,
      input: OidcClientInput,
      actor: Actor,
    ): Promise<{ client: OidcClient; secret?: string }> {
      const previous = await writable(clientId);
      const row = normalizeClient({ ...input, clientId }, random, clock.now(), previous);
      // A public client made confidential gets its first secret now.
      const secret = row.authMethod !== 'none' && !row.secretHash ? newSecret() : undefined;
      if (secret) row.secretHash = secret.hash;
      await queries.oidcClients.update(row);
      await record(actor, 'oidc-client.update', clientId);
      return { client: present(row, false), secret: secret?.secret };
    },

    /** A new secret; the old one stops working at once. */
    async rotateSecret(clientId: string, actor: Actor): Promise<{ client: OidcClient; secret: string }> {
      const row = await writable(clientId);
      if (row.authMethod === 'none') throw errors.oidcClientInvalid('A public client has no secret');
      const secret = newSecret();
      await queries.oidcClients.update({ ...row, secretHash: secret.hash, updatedAt: clock.now() });
      await record(actor, 'oidc-client.rotate-secret', clientId);
      return { client: present(row, false), secret: secret.secret };
    },

    /**
     * Dynamic registration (OIDC_REGISTRATION_TOKEN): a client as oidc-provider registered it. Its secret, made
     * by oidc-provider and answered to the client once, is kept as its hash; such a client is never trusted unless
     * an admin makes it so.
     */
    async register(m: Record<string, unknown>): Promise<void> {
      const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
      const clientId = String(m.client_id);
      const previous = await queries.oidcClients.find(clientId);
      const secret = typeof m.client_secret === 'string' ? m.client_secret : undefined;
      const method = String(m.token_endpoint_auth_method ?? 'client_secret_basic');
      const row = normalizeClient(
        {
          clientId,
          name: typeof m.client_name === 'string' ? m.client_name : clientId,
          public: method === 'none',
          authMethod: method === 'client_secret_post' ? 'client_secret_post' : undefined,
          redirectUris: strings(m.redirect_uris),
          postLogoutRedirectUris: strings(m.post_logout_redirect_uris),
          grantTypes: strings(m.grant_types),
          backchannelLogoutUri: typeof m.backchannel_logout_uri === 'string' ? m.backchannel_logout_uri : null,
          // What only an admin sets outlives the client's own update (an emptied role list would show every role).
          trusted: previous?.trusted ?? false,
          allowedRoles: previous?.allowedRoles ?? [],
        },
        random,
        clock.now(),
        previous,
      );
      // oidc-provider hands the stored metadata back on update: then the secret is already the hash.
      if (secret && secret !== previous?.secretHash) row.secretHash = sha256(secret);
      if (previous) await queries.oidcClients.update(row);
      else await queries.oidcClients.insert(row);
      await record({ kind: 'system', id: null }, 'oidc-client.register', clientId);
    },

    /** Dynamic registration's deletion (RFC 7592), asked by the client with its registration access token. */
    unregister: (clientId: string): Promise<void> =>
      removal(clientId, async () => {
        if (fileClients.has(clientId)) return;
        await queries.oidcClients.delete(clientId);
        await record({ kind: 'system', id: null }, 'oidc-client.unregister', clientId);
      }),

    remove: (clientId: string, actor: Actor): Promise<void> =>
      removal(clientId, async () => {
        await writable(clientId);
        await queries.oidcClients.delete(clientId);
        await record(actor, 'oidc-client.delete', clientId);
      }),

    /**
     * Runs every deletion of a client (an admin's, the client's own) through `hook`, which is given the deletion to
     * run: back-channel logout ends the client's grants after it, and tells it of each.
     */
    removeWith(hook: Removal): void {
      removal = hook;
    },
  };
}

export type OidcClients = ReturnType<typeof createOidcClients>;
