import type { ProviderName, ProviderSettings } from '../../config/federation.js';

/** What a provider tells us about the person who signed in. */
export interface Profile {
  subject: string;
  email: string | null;
  /** True only when the provider asserts it verified the address. */
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
}

type Json = Record<string, unknown>;
/** Fetches a JSON resource with the provider's access token. */
export type ApiGet = (url: string) => Promise<unknown>;

export type Preset =
  | { kind: 'oidc'; issuer: string; scope: string[]; formPost?: boolean }
  | {
      kind: 'oauth2';
      issuer: string;
      authorizationEndpoint: string;
      tokenEndpoint: string;
      scope: string[];
      profile: (get: ApiGet) => Promise<Profile>;
    };

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
/** Apple sends `email_verified` as the string "true". */
export const verifiedClaim = (v: unknown) => v === true || v === 'true';

/** Standard OpenID Connect claims (id_token merged with userinfo). */
export function profileFromClaims(c: Json): Profile {
  return {
    subject: String(c.sub),
    email: str(c.email)?.toLowerCase() ?? null,
    emailVerified: verifiedClaim(c.email_verified),
    displayName: str(c.name) ?? str(c.preferred_username),
    avatarUrl: str(c.picture),
  };
}

async function githubProfile(get: ApiGet): Promise<Profile> {
  const user = (await get('https://api.github.com/user')) as Json;
  // The public profile address is not known to be verified; /user/emails says which ones are.
  const emails = ((await get('https://api.github.com/user/emails')) as Json[]) ?? [];
  const primary = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
  return {
    subject: String(user.id),
    email: str(primary?.email)?.toLowerCase() ?? null,
    emailVerified: Boolean(primary),
    displayName: str(user.name) ?? str(user.login),
    avatarUrl: str(user.avatar_url),
  };
}

async function discordProfile(get: ApiGet): Promise<Profile> {
  const u = (await get('https://discord.com/api/users/@me')) as Json;
  const avatar = str(u.avatar) && `https://cdn.discordapp.com/avatars/${String(u.id)}/${String(u.avatar)}.png`;
  return {
    subject: String(u.id),
    email: str(u.email)?.toLowerCase() ?? null,
    emailVerified: u.verified === true,
    displayName: str(u.global_name) ?? str(u.username),
    avatarUrl: avatar,
  };
}

/** The endpoints and defaults of each provider; OpenID Connect ones are found by discovery. */
export function presetOf(p: ProviderSettings): Preset {
  const byName: Record<ProviderName, () => Preset> = {
    oidc: () => ({ kind: 'oidc', issuer: p.issuer!, scope: ['openid', 'email', 'profile'] }),
    google: () => ({ kind: 'oidc', issuer: 'https://accounts.google.com', scope: ['openid', 'email', 'profile'] }),
    microsoft: () => ({
      kind: 'oidc',
      issuer: `https://login.microsoftonline.com/${p.issuer}/v2.0`,
      scope: ['openid', 'email', 'profile'],
    }),
    gitlab: () => ({ kind: 'oidc', issuer: p.issuer!.replace(/\/+$/, ''), scope: ['openid', 'email', 'profile'] }),
    // Apple posts the answer back (response_mode=form_post) whenever name or email is asked for.
    apple: () => ({
      kind: 'oidc',
      issuer: 'https://appleid.apple.com',
      scope: ['openid', 'email', 'name'],
      formPost: true,
    }),
    github: () => ({
      kind: 'oauth2',
      issuer: 'https://github.com',
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      scope: ['read:user', 'user:email'],
      profile: githubProfile,
    }),
    discord: () => ({
      kind: 'oauth2',
      issuer: 'https://discord.com',
      authorizationEndpoint: 'https://discord.com/oauth2/authorize',
      tokenEndpoint: 'https://discord.com/api/oauth2/token',
      scope: ['identify', 'email'],
      profile: discordProfile,
    }),
  };
  const preset = byName[p.name]();
  return p.scope ? { ...preset, scope: p.scope } : preset;
}
