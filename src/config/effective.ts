import type { Config } from './load.js';
import type { Field } from './fields.js';
import { CONFIG_FIELDS } from './schema.js';

/** Shown instead of a secret's value: fixed, so it tells nothing about the secret's length. */
export const MASK = '********';

export interface EffectiveSetting {
  name: string;
  /** The value in force as text, `null` when unset; secrets are MASK. */
  value: string | null;
  /** Set in the environment (or .env) rather than left at its default. */
  explicit: boolean;
  secret: boolean;
  doc: string;
}

const asText = (v: unknown): string | null =>
  v === undefined || v === null ? null : Array.isArray(v) ? v.join(',') : String(v);

/** A URL's password is a secret even when the setting as a whole is not marked as one. */
function withoutUrlPassword(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    if (!url.password) return text;
    const masked = text.replace(`:${url.password}@`, `:${MASK}@`);
    // Written differently from how the parser encodes it: mask the whole value rather than guess.
    return masked === text ? MASK : masked;
  } catch {
    return text;
  }
}

/** Every setting with the value in force, secrets masked: what the admin console's configuration page shows. */
export function effectiveSettings(config: Config): EffectiveSetting[] {
  const explicit = new Set(config.settings.explicit);
  const values = config.settings.values as Record<string, unknown>;
  return (Object.entries(CONFIG_FIELDS) as [string, Field<unknown>][]).map(([name, field]) => {
    const text = asText(values[name]);
    const secret = field.secret === true;
    return {
      name,
      value: text === null ? null : secret ? MASK : withoutUrlPassword(text),
      explicit: explicit.has(name),
      secret,
      doc: field.doc,
    };
  });
}
