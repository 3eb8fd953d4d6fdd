import type { KeyRing } from '../tokens/key-ring.js';
import { createOidcProvider, type OidcProviderDeps } from './provider.js';
import { providerJwks } from './signing-key.js';
import type { OidcProvider } from './types.js';

/**
 * oidc-provider reads its keys once, when it is made. The ring's live keys are re-read from the database (at
 * once after a rotation on this instance, within KEY_REFRESH_SECONDS on the others); when they change, a provider
 * with the new keys replaces the old one, so a rotation signs ID tokens with the new key and the JWKS lists
 * old and new without a restart. Every provider object is stateless: interactions, sessions, grants and tokens
 * are in the database, its cookies are signed with the same key.
 */
export function createLiveProvider(ring: KeyRing, deps: Omit<OidcProviderDeps, 'jwks'>) {
  const setups: ((provider: OidcProvider) => void)[] = [];
  let built: { kids: string; provider: Promise<OidcProvider> } | undefined;
  let latest: OidcProvider | undefined;

  async function build(keys: Parameters<typeof providerJwks>[0]): Promise<OidcProvider> {
    const provider = await createOidcProvider({ ...deps, jwks: await providerJwks(keys) });
    for (const setup of setups) setup(provider);
    latest = provider;
    return provider;
  }

  return {
    /** The provider with the ring's live keys. */
    async current(): Promise<OidcProvider> {
      const keys = await ring.live();
      const kids = keys.map((k) => k.kid).join(' ');
      if (built?.kids !== kids) {
        const attempt = { kids, provider: build(keys) };
        built = attempt;
        // A failed build is tried again by the next request, not remembered.
        attempt.provider.catch(() => {
          if (built === attempt) built = undefined;
        });
      }
      return built.provider;
    },
    /** Applies `setup` (event listeners) to every provider object, the current one and those to come. */
    each(setup: (provider: OidcProvider) => void): void {
      setups.push(setup);
      if (latest) setup(latest);
    },
  };
}

export type LiveProvider = ReturnType<typeof createLiveProvider>;
