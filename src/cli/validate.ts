import { InvalidArgumentError } from 'commander';
import { isEmailAddress } from '../core/users/email.js';
import { isValidUsername, USERNAME_RULE } from '../core/users/service.js';
import { ROLE_PATTERN } from '../core/users/role.js';

/**
 * Option parsers with the admin API's own rules (its schemas' patterns, the same email format), so that the
 * CLI refuses what the API refuses, before anything is opened: `--email notanemail` is a usage error.
 */
export const email = (v: string) => {
  if (!isEmailAddress(v.trim())) throw new InvalidArgumentError(`not an email address: ${v}`);
  return v.trim();
};

const ROLE = new RegExp(ROLE_PATTERN);
export const roles = (v: string) => {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const wrong = list.filter((r) => !ROLE.test(r));
  if (!list.length || wrong.length)
    throw new InvalidArgumentError(`roles are 1 to 64 letters, digits, '_' or '-', comma-separated: ${v}`);
  return list;
};
export const role = (v: string) => roles(v)[0]!;

export const username = (v: string) => {
  if (!isValidUsername(v)) throw new InvalidArgumentError(USERNAME_RULE);
  return v;
};

export const displayName = (v: string) => {
  if (v.length > 200) throw new InvalidArgumentError('at most 200 characters');
  return v;
};

export const jsonObject = (v: string) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError('not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
};
