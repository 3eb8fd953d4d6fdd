import { createRequire } from 'node:module';
import type * as Zxcvbn from '@zxcvbn-ts/language-common';
import { errors } from '../errors.js';

export interface PasswordPolicy {
  /** NFC-normalises and checks a new password; returns the normalised form or throws weak-password. */
  check(password: string): string;
}

/**
 * The bundled list: the ~49,000 most common passwords, ranked, lower-cased (zxcvbn-ts). Its package is loaded
 * here, synchronously (CommonJS), not imported at start: parsing it cost every CLI call about 80 ms.
 */
let commonPasswords: Set<string> | undefined;
function common(): Set<string> {
  if (commonPasswords) return commonPasswords;
  const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof Zxcvbn;
  commonPasswords = new Set(dictionary.passwords as string[]);
  return commonPasswords;
}

/**
 * Length counts Unicode code points, so an emoji is one character, as users expect. The common-passwords set
 * (~60 ms to build) is built by the first password checked, not at start: most CLI calls check none.
 */
export function createPasswordPolicy(opts: { minLength: number; maxLength: number }): PasswordPolicy {
  return {
    check(password) {
      const normalised = password.normalize('NFC');
      const length = [...normalised].length;
      if (length < opts.minLength)
        throw errors.weakPassword(`The password must be at least ${opts.minLength} characters long`);
      if (length > opts.maxLength)
        throw errors.weakPassword(`The password must be at most ${opts.maxLength} characters long`);
      if (common().has(normalised.toLowerCase()))
        throw errors.weakPassword('This password is too common; choose another one');
      return normalised;
    },
  };
}
