import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { JwtAlgorithm } from '../../config/schema.js';
import { hmac } from '../hash.js';

export interface SigningKeys {
  algorithm: JwtAlgorithm;
  kid: string;
  signKey: KeyObject;
  verifyKey: KeyObject;
  /** Public JWKs; empty for HMAC algorithms, whose key must never leave the server. */
  publicJwks: JWK[];
}

const EXPECTED_KEY: Record<Exclude<JwtAlgorithm, 'HS256' | 'HS512'>, { type: string; curve?: string }> = {
  RS256: { type: 'rsa' },
  ES256: { type: 'ec', curve: 'prime256v1' },
  EdDSA: { type: 'ed25519' },
};

/** Builds the signing and verification keys; throws with a clear message when the key does not fit the algorithm. */
export async function loadSigningKeys(algorithm: JwtAlgorithm, material: string): Promise<SigningKeys> {
  if (algorithm === 'HS256' || algorithm === 'HS512') {
    const key = createSecretKey(Buffer.from(material, 'utf8'));
    return { algorithm, kid: hmac(material, 'gatehouse-kid').slice(0, 16), signKey: key, verifyKey: key, publicJwks: [] };
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material);
  } catch {
    throw new Error(`JWT_KEY: not a readable PEM private key for ${algorithm}`);
  }
  const expected = EXPECTED_KEY[algorithm];
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== expected.type || (expected.curve && curve !== expected.curve)) {
    throw new Error(`JWT_KEY: ${algorithm} needs a ${expected.curve ?? expected.type} key, got ${privateKey.asymmetricKeyType}${curve ? ` ${curve}` : ''}`);
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { algorithm, kid, signKey: privateKey, verifyKey: publicKey, publicJwks: [{ ...jwk, kid, alg: algorithm, use: 'sig' }] };
}
