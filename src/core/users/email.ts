/** The one canonical form of an email address: trimmed, NFC, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** The same rule as the API's `format: email` (ajv-formats): a local part, `@`, and a host name. */
const LOCAL = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*";
const HOST = '(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const EMAIL = new RegExp(`^${LOCAL}@${HOST}$`, 'i');

/** Whether the API would accept this as an email address. */
export const isEmailAddress = (email: string) => email.length <= 254 && EMAIL.test(email);
