import { IMPORTED_ALGORITHMS, type ImportedAlgorithm } from '../../core/tokens/imported-keys.js';
import type { SourceItem } from '../record.js';
import type { SourceContext } from './index.js';
import { signingKeyItems } from './keys.js';

/** hasura-auth's default access token lifetime (`AUTH_ACCESS_TOKEN_EXPIRES_IN`, seconds: src/utils/env.ts). */
const ACCESS_TOKEN_SECONDS = 900;

/**
 * hasura-auth's signing key, from its own settings as the operator gives them to the import:
 * `HASURA_GRAPHQL_JWT_SECRET` (the JSON `{type, key}` Hasura and hasura-auth share: hasura-auth signs its access
 * tokens with `key` under `type`)
 * and `AUTH_ACCESS_TOKEN_EXPIRES_IN` (seconds, 900 unless set). Its tokens carry `sub`, `iat`, `exp`, `iss` and the
 * Hasura claims in the namespace (`x-hasura-user-id`…), which is how the access-token kind reads them at door
 * `hasura-auth`. A secret given by `jwk_url` has no key to bring: a warning says so.
 */
export function hasuraAuthKey(ctx: SourceContext): SourceItem[] {
  const raw = ctx.env.HASURA_GRAPHQL_JWT_SECRET;
  let secret: { type?: unknown; key?: unknown } = {};
  if (raw) {
    try {
      secret = JSON.parse(raw) as typeof secret;
    } catch {
      throw new Error('HASURA_GRAPHQL_JWT_SECRET: not JSON (hasura-auth reads {"type": …, "key": …})');
    }
  }
  const algorithm = String(secret.type ?? 'HS256') as ImportedAlgorithm;
  if (raw && !IMPORTED_ALGORITHMS.includes(algorithm))
    throw new Error(`HASURA_GRAPHQL_JWT_SECRET: type ${algorithm}, not one of ${IMPORTED_ALGORITHMS.join(', ')}`);
  const material = typeof secret.key === 'string' ? secret.key : undefined;
  const seconds = Number(ctx.env.AUTH_ACCESS_TOKEN_EXPIRES_IN ?? ACCESS_TOKEN_SECONDS);
  const lifetime = Number.isInteger(seconds) && seconds > 0 ? seconds : ACCESS_TOKEN_SECONDS;
  const key = { door: 'hasura-auth', algorithm, material } as const;
  return signingKeyItems(ctx, key, lifetime, "HASURA_GRAPHQL_JWT_SECRET's key");
}
