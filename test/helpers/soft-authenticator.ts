import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { TestApp } from './app.js';

/**
 * A software WebAuthn authenticator for server tests: ES256 keys from node:crypto, attestation
 * objects and authenticator data encoded by hand (CBOR through @simplewebauthn's own encoder), with
 * every field a test may want to get wrong (origin, RP id, user verification, counter, challenge).
 */

const b64u = (b: Uint8Array | Buffer | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | Buffer | string) => createHash('sha256').update(b).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface SoftCredential {
  id: string;
  key: KeyObject;
  publicKey: { x: Buffer; y: Buffer };
  userHandle: string;
  counter: number;
}

interface Tweaks {
  origin?: string;
  rpId?: string;
  uv?: boolean;
  /** Sign this challenge instead of the one in the options. */
  challenge?: string;
  /** Use this counter (and keep it) instead of counting up. */
  counter?: number;
  /** Answer with this credential instead of the first one the options allow. */
  credentialId?: string;
  fmt?: 'none' | 'packed';
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

/** A new ES256 key pair and its public key as COSE bytes (what WebAuthn relying parties, hasura-auth too, store). */
export function es256Key() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const xy = { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') };
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(xy.x)],
      [-3, new Uint8Array(xy.y)],
    ]),
  );
  return { key: privateKey, publicKey: xy, cose: Buffer.from(cose) };
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  /** A synced passkey sets the backup flags. */
  constructor(
    readonly origin: string,
    readonly opts: { backedUp?: boolean } = {},
  ) {}

  private flags(uv: boolean, attested: boolean): number {
    const backup = this.opts.backedUp ? FLAG_BE | FLAG_BS : 0;
    return FLAG_UP | (uv ? FLAG_UV : 0) | backup | (attested ? FLAG_AT : 0);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a new ES256 credential, answered as startRegistration() does. */
  create(options: CreationOptions, t: Tweaks = {}) {
    const { key, publicKey, cose } = es256Key();
    const cred: SoftCredential = {
      id: b64u(randomBytes(16)),
      key,
      publicKey,
      userHandle: options.user.id,
      counter: t.counter ?? 0,
    };
    const idBytes = Buffer.from(cred.id, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(idBytes.length);
    const authData = Buffer.concat([
      this.authData(t.rpId ?? options.rp.id ?? 'localhost', this.flags(t.uv ?? true, true), cred.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      idBytes,
      Buffer.from(cose),
    ]);
    const clientDataJSON = this.clientData(
      'webauthn.create',
      t.challenge ?? options.challenge,
      t.origin ?? this.origin,
    );
    const attStmt = new Map<string, number | Uint8Array>();
    if (t.fmt === 'packed') {
      attStmt.set('alg', -7);
      attStmt.set('sig', new Uint8Array(sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), key)));
    }
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
        ['fmt', t.fmt ?? 'none'],
        ['attStmt', attStmt],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    this.credentials.push(cred);
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** A credential as the DevTools Protocol's WebAuthn.addCredential takes it (to put it in a browser's authenticator). */
  exported(cred: SoftCredential, rpId: string) {
    return {
      credentialId: Buffer.from(cred.id, 'base64url').toString('base64'),
      isResidentCredential: true,
      rpId,
      privateKey: cred.key.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      userHandle: Buffer.from(cred.userHandle, 'base64url').toString('base64'),
      signCount: cred.counter,
    };
  }

  private authData(rpId: string, flags: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  /** navigator.credentials.get(): an assertion by an allowed (or, usernameless, the first) credential. */
  get(options: RequestOptions, t: Tweaks = {}) {
    const allowed = options.allowCredentials?.map((c) => c.id) ?? [];
    const cred =
      this.credentials.find((c) => c.id === t.credentialId) ??
      this.credentials.find((c) => !allowed.length || allowed.includes(c.id));
    if (!cred) throw new Error('no credential of this authenticator is allowed');
    cred.counter = t.counter ?? cred.counter + 1;
    const authData = this.authData(
      t.rpId ?? options.rpId ?? 'localhost',
      this.flags(t.uv ?? true, false),
      cred.counter,
    );
    const clientDataJSON = this.clientData('webauthn.get', t.challenge ?? options.challenge, t.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.key);
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: cred.userHandle,
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }
}

/** A new passkey for the user of `jwt` (a native session, freshly proven), held by a new software authenticator. */
export async function addPasskey(t: TestApp, jwt: string): Promise<SoftAuthenticator> {
  const device = new SoftAuthenticator(t.config.passkeys.origins[0]!);
  const headers = { authorization: `Bearer ${jwt}` };
  const options = await t.request({ method: 'POST', url: '/auth/webauthn/register/options', headers, payload: {} });
  const credential = device.create(options.json());
  const res = await t.request({
    method: 'POST',
    url: '/auth/webauthn/register/verify',
    headers,
    payload: { credential },
  });
  if (res.statusCode !== 201) throw new Error(`passkey not registered: ${res.body}`);
  return device;
}

/** Finishes a login's second step with the passkey, for the MFA ticket its first step answered. */
export async function secondStepWithPasskey(t: TestApp, device: SoftAuthenticator, ticket: string) {
  const url = '/auth/webauthn/second-factor';
  const options = await t.request({ method: 'POST', url: `${url}/options`, payload: { ticket } });
  const credential = device.get(options.json());
  return t.request({ method: 'POST', url: `${url}/verify`, payload: { ticket, credential } });
}
