import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Client, Entry } from 'ldapts';
import { AppError, errors } from '../errors.js';
import type { Directory } from './settings.js';

/** One entry as Gatehouse needs it: the DN and the mapped attributes (first value of each). */
export interface DirectoryEntry {
  dn: string;
  username: string | null;
  email: string | null;
  displayName: string | null;
  externalId: string;
}

export const directoryUnavailable = (realm: string, cause?: unknown) =>
  errors.directoryUnavailable(`The directory of realm ${realm} cannot be reached; try again later`, { cause });

/** The LDAP client, loaded by the first connection: a start, and every CLI call, open none. */
const ldapts = () => import('ldapts');

function tlsOptions(d: Directory): ConnectionOptions {
  const host = new URL(d.url).hostname.replace(/^\[|\]$/g, '');
  // The certificate is checked against the URL's host (SNI only for names); the CA is read at each
  // connection, so an operator may rotate it without a restart.
  return { host, ...(isIP(host) ? {} : { servername: host }), ...(d.caFile ? { ca: readFileSync(d.caFile) } : {}) };
}

function first(entry: Entry, attribute: string): string | null {
  const v = entry[attribute];
  const one = Array.isArray(v) ? v[0] : v;
  if (one === undefined) return null;
  // Binary identifiers (AD objectGUID) are kept as hex.
  return Buffer.isBuffer(one) ? one.toString('hex') : String(one);
}

/**
 * Runs `fn` on a fresh connection (StartTLS first when configured), then unbinds. Anything that
 * is not an LDAP answer (refused, timed out, TLS failure), and any error of the client itself (a URL
 * or CA file it refuses, saved before settings were checked or broken since), is 503 directory-unavailable.
 */
export async function withConnection<T>(d: Directory, fn: (client: Client) => Promise<T>): Promise<T> {
  const { Client, InvalidCredentialsError } = await ldapts();
  let client: Client | undefined;
  try {
    const tls = d.url.startsWith('ldaps:') ? tlsOptions(d) : undefined;
    client = new Client({ url: d.url, timeout: d.timeoutMs, connectTimeout: d.timeoutMs, tlsOptions: tls });
    if (d.startTls) await client.startTLS(tlsOptions(d));
    return await fn(client);
  } catch (err) {
    if (err instanceof InvalidCredentialsError || err instanceof AppError) throw err;
    throw directoryUnavailable(d.realm, err);
  } finally {
    await client?.unbind().catch(() => undefined);
  }
}

/** Binds as the service account (or stays anonymous). A refused service bind is an outage, not a user error. */
async function serviceBind(client: Client, d: Directory) {
  if (!d.bindDn) return;
  const { ResultCodeError } = await ldapts();
  try {
    await client.bind(d.bindDn, d.bindPassword ?? '');
  } catch (err) {
    if (err instanceof ResultCodeError) throw directoryUnavailable(d.realm, err);
    throw err;
  }
}

/** The entries matching the user filter for `login` (0, 1, or several when the filter is ambiguous). */
export async function findEntries(client: Client, d: Directory, login: string): Promise<DirectoryEntry[]> {
  await serviceBind(client, d);
  const { fillFilter } = await import('./filter.js');
  const a = d.attributes;
  const { searchEntries } = await client.search(d.searchBase, {
    scope: 'sub',
    filter: fillFilter(d.userFilter, 'login', login),
    attributes: [a.username, a.email, a.displayName, a.externalId],
    explicitBufferAttributes: a.externalId.toLowerCase() === 'objectguid' ? [a.externalId] : [],
    sizeLimit: 2,
  });
  return searchEntries.map((e) => ({
    dn: e.dn,
    username: first(e, a.username),
    email: first(e, a.email),
    displayName: first(e, a.displayName),
    externalId: first(e, a.externalId) ?? e.dn,
  }));
}

/** The cn of every group the entry belongs to (empty without group_base_dn). Searched as the service account. */
export async function groupsOf(client: Client, d: Directory, dn: string): Promise<string[]> {
  if (!d.groupBaseDn) return [];
  await serviceBind(client, d);
  const { fillFilter } = await import('./filter.js');
  const { searchEntries } = await client.search(d.groupBaseDn, {
    scope: 'sub',
    filter: fillFilter(d.groupFilter, 'dn', dn),
    attributes: ['cn'],
  });
  return searchEntries.map((g) => first(g, 'cn')).filter((cn): cn is string => cn !== null);
}

/** Binds as the user: true when the directory accepts the password. The password is never compared here. */
export async function bindAs(client: Client, dn: string, password: string): Promise<boolean> {
  const { InvalidCredentialsError } = await ldapts();
  try {
    await client.bind(dn, password);
    return true;
  } catch (err) {
    if (err instanceof InvalidCredentialsError) return false;
    throw err;
  }
}
