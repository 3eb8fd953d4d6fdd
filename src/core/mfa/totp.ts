import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as authenticator apps use it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

export function newSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secret: string, issuer: string, label: string): string {
  return new TOTP({ ...TOTP_PARAMS, issuer, label, secret: Secret.fromBase32(secret) }).toString();
}

export function codeAt(secret: string, timestampMs: number): string {
  return new TOTP({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret) }).generate({ timestamp: timestampMs });
}

/**
 * The time step a code belongs to, if it matches the current step or one step either side;
 * the step lets the caller refuse a code that was already used (replay).
 */
export function matchingStep(secret: string, code: string, timestampMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = new TOTP({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret) }).validate({
    token: code,
    timestamp: timestampMs,
    window: 1,
  });
  return delta === null ? undefined : Math.floor(timestampMs / 1000 / TOTP_PARAMS.period) + delta;
}
