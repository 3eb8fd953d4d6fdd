import type { Env } from '../../config/load.js';
import type { SourceItem } from '../record.js';

/** What a source may use besides its connection string or file. */
export interface SourceContext {
  env: Env;
  stdin: NodeJS.ReadableStream;
  /** The role every imported user gets when the source names none. */
  defaultRole: string;
  /** `--signing-keys`: the source yields its system's signing key, so that its tokens keep working. */
  signingKeys?: boolean;
  /** `--token-lifetime`: the longest life of a token the old system issued, seconds (else the source's own). */
  tokenLifetime?: number;
}

export type Source = (from: string, ctx: SourceContext) => AsyncIterable<SourceItem>;

/** Every source, loaded only when named (each pulls in its own client library). */
export const SOURCES: Record<string, () => Promise<Source>> = {
  jsonl: async () => (await import('./jsonl.js')).jsonlSource,
  hbp: async () => (await import('./hbp.js')).hbpSource,
  'hasura-auth': async () => (await import('./hasura-auth.js')).hasuraAuthSource,
  rocketchat: async () => (await import('./rocketchat.js')).rocketchatSource,
  humhub: async () => (await import('./humhub.js')).humhubSource,
  supabase: async () => (await import('./supabase.js')).supabaseSource,
  keycloak: async () => (await import('./keycloak.js')).keycloakSource,
  privacyidea: async () => (await import('./privacyidea.js')).privacyideaSource,
  datarhei: async () => (await import('./datarhei.js')).datarheiSource,
};
