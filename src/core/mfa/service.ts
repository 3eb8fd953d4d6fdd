import { createRequire } from 'node:module';
import type * as QRCodeModule from 'qrcode';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { AppError } from '../errors.js';
import { sha256 } from '../hash.js';
import type { SecretBox } from './secret-box.js';
import { matchingStep, newSecret, otpauthUri } from './totp.js';

const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

export const mfaErrors = {
  invalidCode: () => new AppError('invalid-mfa-code', 401, 'The code is invalid or was already used'),
  alreadyEnabled: () => new AppError('mfa-already-enabled', 409, 'Multi-factor authentication is already enabled'),
  notEnabled: () => new AppError('mfa-not-enabled', 400, 'Multi-factor authentication is not enabled'),
  notGenerated: () => new AppError('mfa-not-generated', 400, 'Call /auth/mfa/generate first'),
};

/** Recovery codes are compared in one normal form: lower case, no separators. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

/** TOTP secrets (encrypted at rest), replay-proof verification and single-use recovery codes. */
/** Where a change came from, for the audit log. */
export interface MfaClient {
  ip: string | null;
  userAgent: string | null;
}

export function createMfaService(opts: {
  queries: Queries;
  clock: Clock;
  random: Random;
  box: SecretBox;
  issuer: string;
  audit: Pick<Audit, 'record'>;
  changed?: (userId: string) => void;
}) {
  const { queries, clock, box, audit } = opts;

  /** Runs a change the user makes to their own MFA and audits how it ended (a refused code is a failure). */
  async function audited<T>(
    action: string,
    userId: string,
    client: MfaClient | undefined,
    change: () => Promise<T>,
  ): Promise<T> {
    const event = {
      actor: userId,
      action,
      subject: userId,
      ip: client?.ip ?? null,
      userAgent: client?.userAgent ?? null,
    };
    try {
      const result = await change();
      await audit.record({ ...event, outcome: 'success' });
      return result;
    } catch (err) {
      if (err instanceof AppError) await audit.record({ ...event, outcome: 'failure', detail: { reason: err.code } });
      throw err;
    }
  }

  /** Accepts a TOTP code of the current step ±1 that is newer than the last one used. */
  async function checkTotp(userId: string, secretSealed: string, code: string): Promise<boolean> {
    const step = matchingStep(box.open(secretSealed), code, clock.now().getTime());
    return step !== undefined && (await queries.mfa.useStep(userId, step));
  }

  function recoveryCode(): string {
    const bytes = opts.random.bytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  }

  return {
    async isEnabled(userId: string): Promise<boolean> {
      return Boolean((await queries.mfa.get(userId))?.enabledAt);
    },

    async generate(user: { id: string; email: string }) {
      const secret = newSecret();
      if (!(await queries.mfa.setPending(user.id, box.seal(secret), clock.now()))) throw mfaErrors.alreadyEnabled();
      const uri = otpauthUri(secret, opts.issuer, user.email);
      return {
        otpSecret: secret,
        imageUrl: await (createRequire(import.meta.url)('qrcode') as typeof QRCodeModule).toDataURL(uri),
        uri,
      };
    },

    async enable(userId: string, code: string, client?: MfaClient): Promise<void> {
      await audited('mfa.enable', userId, client, async () => {
        const row = await queries.mfa.get(userId);
        if (!row) throw mfaErrors.notGenerated();
        if (row.enabledAt) throw mfaErrors.alreadyEnabled();
        if (!(await checkTotp(userId, row.secret, code))) throw mfaErrors.invalidCode();
        await queries.mfa.enable(userId, clock.now());
        opts.changed?.(userId);
      });
    },

    async disable(userId: string, code: string, client?: MfaClient): Promise<void> {
      await audited('mfa.disable', userId, client, async () => {
        const row = await queries.mfa.get(userId);
        if (!row?.enabledAt) throw mfaErrors.notEnabled();
        if (!(await this.verify(userId, code))) throw mfaErrors.invalidCode();
        await queries.mfa.remove(userId);
        opts.changed?.(userId);
      });
    },

    /** A TOTP code or an unused recovery code of a user with MFA enabled. */
    async verify(userId: string, code: string): Promise<boolean> {
      const row = await queries.mfa.get(userId);
      if (!row?.enabledAt) return false;
      if (/^\d{6}$/.test(code)) return checkTotp(userId, row.secret, code);
      const normalised = normalizeRecoveryCode(code);
      return normalised.length === 10 && queries.mfa.useRecoveryCode(userId, sha256(normalised), clock.now());
    },

    /** Ten new single-use codes, shown once; the previous ones stop working. */
    async newRecoveryCodes(userId: string, client?: MfaClient): Promise<string[]> {
      return audited('mfa.recovery_codes', userId, client, async () => {
        if (!(await this.isEnabled(userId))) throw mfaErrors.notEnabled();
        const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
        await queries.mfa.replaceRecoveryCodes(
          userId,
          codes.map((c) => sha256(normalizeRecoveryCode(c))),
        );
        return codes;
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
