import type { SigningKeyRecord, SourceItem } from '../record.js';
import type { SourceContext } from './index.js';

/**
 * The old system's signing key as a source item, when the operator asked for keys (`--signing-keys`) and the
 * source has one; else a warning saying what its tokens do after the switch. `lifetimeSeconds`: the longest
 * life of a token the old system issued by its own settings (`--token-lifetime` overrides it).
 */
export function signingKeyItems(
  ctx: SourceContext,
  key: Omit<SigningKeyRecord, 'lifetimeSeconds' | 'material'> & { material: string | undefined | null },
  lifetimeSeconds: number,
  name: string,
): SourceItem[] {
  if (!ctx.signingKeys)
    return key.material
      ? [{ warning: `${name} is not imported (--signing-keys brings it): tokens issued before the switch are refused` }]
      : [];
  if (!key.material)
    return [{ warning: `--signing-keys: no ${name} given, tokens issued before the switch are refused` }];
  const lifetime = ctx.tokenLifetime ?? lifetimeSeconds;
  return [{ signingKey: { ...key, material: key.material, lifetimeSeconds: lifetime } }];
}
