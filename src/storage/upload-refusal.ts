import { errors, type AppError } from '../core/errors.js';
import type { Caller, Rules } from './rules.js';

const folderOf = (key: string) => `${key.split('/').slice(0, -1).join('/')}/`;

/**
 * Why an upload is refused, saying what would work: where this caller may upload, or that signing in would
 * open a folder. The answer is the same whether or not a file exists at the key, so it reveals nothing.
 */
export function uploadRefusal(rules: Rules, key: string, caller: Caller): AppError {
  const mine = rules.creatableFolders(caller);
  if (!caller.userId) {
    const signedIn = rules.creatableFolders({ userId: '<your id>', roles: ['user'] });
    if (signedIn.length)
      return errors.signInToUpload(
        `Sign in to upload to ${folderOf(key)}: signed-in users may upload to ${signedIn.join(', ')}`,
      );
  }
  const where = mine.length ? `you may upload to ${mine.join(', ')}` : 'you may not upload anywhere';
  return errors.uploadNotAllowed(`You may not upload to ${folderOf(key)}: ${where}`);
}
