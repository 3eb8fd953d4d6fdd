import { canVerifyImported, importedScheme, isImported } from '../core/passwords/imported.js';

/** 'ok' when Gatehouse can check a password against this hash (or there is none), else the scheme it cannot. */
export function checkHash(hash: string | null): string {
  if (hash === null) return 'ok';
  if (/^\$2[abxy]\$\d{2}\$/.test(hash) || hash.startsWith('$argon2')) return 'ok';
  if (isImported(hash)) return canVerifyImported(hash) ? 'ok' : importedScheme(hash);
  return 'unknown';
}
