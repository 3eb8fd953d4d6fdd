import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { FilterParser } from 'ldapts';
import { fillFilter } from './filter.js';
import type { DirectoryInput } from './settings.js';

/**
 * Parses the URL as ldapts does (WHATWG `new URL`, scheme ldap or ldaps), but also requires a host: ldapts
 * would quietly connect to localhost.
 */
function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `url: ${JSON.stringify(url)} is not a URL the LDAP client can parse`;
  }
  if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') return 'url: must start with ldap:// or ldaps://';
  if (!parsed.hostname) return 'url: names no host';
  return undefined;
}

/** The CA is read at every connection; a file that cannot be read or holds no certificate would fail every login. */
function caProblem(file: string): string | undefined {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    return `ca_file: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  try {
    new X509Certificate(pem);
  } catch {
    return `ca_file: ${file} holds no PEM certificate`;
  }
  return undefined;
}

function filterProblem(field: string, template: string | undefined, name: string): string | undefined {
  if (template === undefined) return undefined;
  try {
    FilterParser.parseString(fillFilter(template, name, 'x'));
    return undefined;
  } catch {
    return `${field}: not an LDAP filter (RFC 4515)`;
  }
}

/**
 * What the LDAP client would refuse at login time, found when the settings are saved, so that a
 * directory never turns every login of its realm into an error.
 */
export function directoryProblems(input: DirectoryInput): string[] {
  return [
    urlProblem(input.url),
    input.ca_file ? caProblem(input.ca_file) : undefined,
    filterProblem('user_filter', input.user_filter, 'login'),
    filterProblem('group_filter', input.group_filter, 'dn'),
  ].filter((p): p is string => p !== undefined);
}
