/** The one canonical form of an email address: trimmed, NFC, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
