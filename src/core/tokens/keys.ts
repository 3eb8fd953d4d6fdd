import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { JwtAlgorithm } from '../../config/schema.js';
import { hmac } from '../hash.js';

/** One key: signs (when current) and verifies tokens carrying its `kid`. */
export interface SigningKey {
  algorithm: JwtAlgorithm;
  kid: string;
  signKey: KeyObject;
  verifyKey: KeyObject;
  /** The public JWK; undefined for HMAC algorithms, whose key must never leave the server. */
  publicJwk: JWK | undefined;
}

const EXPECTED_KEY: Record<Exclude<JwtAlgorithm, 'HS256' | 'HS512'>, { type: string; curve?: string }> = {
  RS256: { type: 'rsa' },
  ES256: { type: 'ec', curve: 'prime256v1' },
  EdDSA: { type: 'ed25519' },
};

export const isHmac = (algorithm: JwtAlgorithm) => algorithm === 'HS256' || algorithm === 'HS512';

/**
 * Builds one key from its material (an HMAC secret or a PEM private key); `name` says where it came
 * from in error messages. An HMAC secret is the material's bytes in `encoding` (JWT_KEY is text). Throws with a clear
 * message when the key does not fit the algorithm.
 */
export async function loadSigningKey(
  algorithm: JwtAlgorithm,
  material: string,
  name = 'JWT_KEY',
  encoding: BufferEncoding = 'utf8',
): Promise<SigningKey> {
  if (isHmac(algorithm)) {
    const key = createSecretKey(Buffer.from(material, encoding));
    return {
      algorithm,
      kid: hmac(material, 'gatehouse-kid').slice(0, 16),
      signKey: key,
      verifyKey: key,
      publicJwk: undefined,
    };
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material);
  } catch {
    throw new Error(`${name}: not a readable PEM private key for ${algorithm}`);
  }
  const expected = EXPECTED_KEY[algorithm as keyof typeof EXPECTED_KEY];
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== expected.type || (expected.curve && curve !== expected.curve)) {
    throw new Error(
      `${name}: ${algorithm} needs a ${expected.curve ?? expected.type} key, ` +
        `got ${privateKey.asymmetricKeyType}${curve ? ` ${curve}` : ''}`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    algorithm,
    kid,
    signKey: privateKey,
    verifyKey: publicKey,
    publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
  };
}
