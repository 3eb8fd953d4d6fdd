import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { PasskeysConfig } from '../../config/passkeys.js';
import type { PasskeyRow } from '../../db/queries/webauthn-credentials.js';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };
export type CreationOptions = PublicKeyCredentialCreationOptionsJSON;
export type RequestOptions = PublicKeyCredentialRequestOptionsJSON;

/** The library, loaded at the first ceremony: a CLI call or a server without passkeys never pays its start (0.4 s). */
const webauthn = () => import('@simplewebauthn/server');

/** A credential as an allow- or exclude-list names it. */
const descriptor = (p: Pick<PasskeyRow, 'credentialId' | 'transports'>) => ({
  id: p.credentialId,
  transports: p.transports as never,
});

/** The challenge's bytes: the library would otherwise encode the base64url text itself. */
const bytesOf = (challenge: string) => new Uint8Array(Buffer.from(challenge, 'base64url'));

/** What a verified registration stores. */
export interface NewCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string;
}

/**
 * The relying party's two ceremonies, with @simplewebauthn/server. Options are built per call from
 * the configuration (no library state is changed); attestation is `none`, and a passkey is asked to
 * be discoverable so that it can sign in without a user name.
 */
export function createCeremonies(config: PasskeysConfig) {
  const timeout = config.challengeSeconds * 1000;
  const expected = { expectedOrigin: config.origins, expectedRPID: config.rpId };

  return {
    async creationOptions(
      challenge: string,
      user: { id: string; email: string; displayName: string | null },
      existing: PasskeyRow[],
    ): Promise<CreationOptions> {
      return (await webauthn()).generateRegistrationOptions({
        rpName: config.rpName,
        rpID: config.rpId,
        userName: user.email,
        userDisplayName: user.displayName ?? user.email,
        userID: new TextEncoder().encode(user.id),
        challenge: bytesOf(challenge),
        timeout,
        attestationType: 'none',
        excludeCredentials: existing.map(descriptor),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
    },

    async requestOptions(
      challenge: string,
      allow: Pick<PasskeyRow, 'credentialId' | 'transports'>[],
      userVerification: boolean,
    ): Promise<RequestOptions> {
      return (await webauthn()).generateAuthenticationOptions({
        rpID: config.rpId,
        challenge: bytesOf(challenge),
        timeout,
        allowCredentials: allow.map(descriptor),
        userVerification: userVerification ? 'required' : 'preferred',
      });
    },

    /** A new credential, or undefined when the response does not hold (origin, RP id, challenge, format). */
    async register(response: RegistrationResponseJSON, challenge: string): Promise<NewCredential | undefined> {
      try {
        const v = await (await webauthn()).verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          ...expected,
          requireUserVerification: false,
        });
        if (!v.verified) return undefined;
        const info = v.registrationInfo;
        return {
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          transports: info.credential.transports ?? response.response.transports ?? [],
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
        };
      } catch {
        return undefined;
      }
    },

    /**
     * Checks an assertion against a stored credential: answers its new counter and backup flag, or
     * the reason it is refused (a counter that did not move forward is a cloned authenticator's sign).
     */
    async assert(
      response: AuthenticationResponseJSON,
      challenge: string,
      passkey: PasskeyRow,
      requireUserVerification: boolean,
    ): Promise<{ ok: true; counter: number; backedUp: boolean } | { ok: false; reason: string }> {
      try {
        const v = await (await webauthn()).verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          ...expected,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: passkey.counter,
            transports: passkey.transports as never,
          },
          requireUserVerification,
        });
        if (!v.verified) return { ok: false, reason: 'invalid-assertion' };
        const info = v.authenticationInfo;
        return { ok: true, counter: info.newCounter, backedUp: info.credentialBackedUp };
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        if (/counter value/i.test(message)) return { ok: false, reason: 'counter-regressed' };
        if (/user could not be verified/i.test(message)) return { ok: false, reason: 'user-not-verified' };
        if (/origin/i.test(message)) return { ok: false, reason: 'wrong-origin' };
        if (/RP ID/i.test(message)) return { ok: false, reason: 'wrong-rp-id' };
        return { ok: false, reason: 'invalid-assertion' };
      }
    },
  };
}

export type Ceremonies = ReturnType<typeof createCeremonies>;
