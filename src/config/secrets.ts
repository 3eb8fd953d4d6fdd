import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './load.js';
import type { JwtAlgorithm } from './schema.js';

export interface Secrets {
  jwtKey: string;
  cookieSecret: string;
  /** Names of the secrets that were generated into DATA_DIR rather than configured. */
  generated: string[];
}

function generateJwtKey(algorithm: JwtAlgorithm): string {
  const pem = { privateKeyEncoding: { type: 'pkcs8' as const, format: 'pem' as const }, publicKeyEncoding: { type: 'spki' as const, format: 'pem' as const } };
  switch (algorithm) {
    case 'HS256':
    case 'HS512':
      return randomBytes(64).toString('base64url');
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: pem.privateKeyEncoding, publicKeyEncoding: pem.publicKeyEncoding }).privateKey;
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: pem.privateKeyEncoding, publicKeyEncoding: pem.publicKeyEncoding }).privateKey;
    case 'EdDSA':
      return generateKeyPairSync('ed25519', { privateKeyEncoding: pem.privateKeyEncoding, publicKeyEncoding: pem.publicKeyEncoding }).privateKey;
  }
}

/** Reads a persisted secret, or creates it (mode 0600) so that tokens survive restarts. */
async function persisted(dir: string, name: string, create: () => string): Promise<string> {
  const file = path.join(dir, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const value = create();
  // 'wx' refuses to overwrite a file another instance wrote meanwhile; re-read it then.
  try {
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw err;
  }
}

/** Configured secrets win; missing ones are generated once and kept under DATA_DIR/secrets. */
export async function resolveSecrets(config: Config): Promise<Secrets> {
  const dir = path.join(config.dataDir, 'secrets');
  const generated: string[] = [];
  const alg = config.jwt.algorithm;
  const jwtKey =
    config.jwt.key ??
    (generated.push('JWT_KEY'), await persisted(dir, `jwt-${alg.toLowerCase()}.key`, () => generateJwtKey(alg)));
  const cookieSecret =
    config.cookies.secret ??
    (generated.push('COOKIE_SECRET'), await persisted(dir, 'cookie-secret', () => randomBytes(48).toString('base64url')));
  return { jwtKey, cookieSecret, generated };
}
