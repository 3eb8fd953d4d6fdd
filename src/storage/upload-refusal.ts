import { errors, type AppError } from '../core/errors.js';
import type { Caller, Operation, Rules } from './rules.js';

const folderOf = (key: string) => `${key.split('/').slice(0, -1).join('/')}/`;

/**
 * Why an upload is refused, saying what would work: where this caller may upload, or that signing in would
 * open a folder. The answer is the same whether or not a file exists at the key, so it reveals nothing. Where
 * the caller may create but not replace (a write-only drop box), the refusal of a replacement stays `usual`
 * (404, or 403 where they may read): naming the folder would be wrong, and it must not confirm the file.
 */
export function uploadRefusal(
  rules: Rules,
  key: string,
  caller: Caller,
  op: Operation,
  usual: () => AppError,
): AppError {
  if (op === 'update' && rules.decide('create', key, caller).allowed) return usual();
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
