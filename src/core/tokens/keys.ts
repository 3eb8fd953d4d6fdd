import { createHash, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
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

/** The members RFC 7638 hashes, per key type, in their (lexicographic) order. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The public JWK and its RFC 7638 thumbprint (the kid), from node:crypto alone: what jose's exportJWK and
 * calculateJwkThumbprint give, without loading jose at every start (the CLI's calls never sign anything).
 */
export function publicJwkOf(publicKey: KeyObject): { jwk: JWK; thumbprint: string } {
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const members = THUMBPRINT_MEMBERS[jwk.kty!]!;
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m as keyof JWK]])));
  return { jwk, thumbprint: createHash('sha256').update(canonical).digest('base64url') };
}

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
  const { jwk, thumbprint: kid } = publicJwkOf(publicKey);
  return {
    algorithm,
    kid,
    signKey: privateKey,
    verifyKey: publicKey,
    publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
  };
}
