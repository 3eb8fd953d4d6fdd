/**
 * One user as an import writes it and as `gatehouse export` prints it (one JSON object per line). Every source
 * maps its own rows to this; dates are ISO strings, secrets are hashed before they get here (token hashes are
 * Gatehouse's own: SHA-256, base64url for refresh tokens and base64 for api tokens).
 */
export interface ImportRecord {
  /** The Gatehouse id (a UUID): the source's own UUID where it has one, else derived from its id. */
  id: string;
  /** The integer id dialects such as HumHub show; absent: the next of the sequence. */
  numericId?: number;
  email: string;
  username?: string | null;
  displayName?: string | null;
  avatarUrl?: string | null;
  locale?: string | null;
  defaultRole: string;
  roles: string[];
  active: boolean;
  disabled: boolean;
  emailVerified: boolean;
  /** An argon2id/bcrypt hash, or an imported one (`$gatehouse-import$…`, core/passwords/imported.ts). */
  passwordHash: string | null;
  /** The verifier of Rocket.Chat's digest logins, when the source has one. */
  passwordDigestHash?: string | null;
  metadata: Record<string, unknown>;
  createdAt?: string;
  lastLoginAt?: string | null;
  realm?: string;
  bannedUntil?: string | null;
  banReason?: string | null;
  /** The TOTP seed in base32 (absent from an export made without --include-secrets). */
  mfa?: { secret?: string; enabledAt: string | null };
  /** Links to outside accounts: OAuth providers, and foreign ids (`rocketchat`: the Rocket.Chat `_id`). */
  identities?: { provider: string; subject: string; email?: string | null; login?: string | null }[];
  /** Live HBP-style refresh tokens, each its own session (door `hbp`). */
  refreshTokens?: { hash: string; expiresAt: string; createdAt?: string }[];
  /** Opaque tokens: `bearer` (HumHub's REST tokens) or `rocketchat` (resume tokens, each with its session). */
  apiTokens?: { hash: string; kind: string; expiresAt: string | null; createdAt?: string; name?: string | null }[];
  /** WebAuthn credentials (hasura-auth's security keys), the user's passkeys: credential id and COSE key, base64url. */
  securityKeys?: {
    credentialId: string;
    publicKey: string;
    counter: number;
    transports?: string | null;
    nickname?: string | null;
  }[];
}

/**
 * An old system's signing key (only with `--signing-keys`): its tokens keep working at `door` until they expire,
 * `lifetimeSeconds` (the longest life of a token it signed) after the import.
 */
export interface SigningKeyRecord {
  door: 'hbp' | 'hasura-auth' | 'humhub' | 'privacyidea' | 'datarhei';
  algorithm: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512';
  material: string;
  lifetimeSeconds: number;
}

/** What a source yields: users, and the problems it found in rows it could not map; keys come first. */
export type SourceItem =
  | { user: ImportRecord; warnings?: string[] }
  | { skip: string }
  | { realm: string }
  | { signingKey: SigningKeyRecord }
  | { warning: string };
