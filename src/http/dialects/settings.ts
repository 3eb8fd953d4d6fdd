import { datarheiSettings } from './datarhei/config.js';
import { hasuraAuthSettings } from './hasura-auth/config.js';
import { hbpSettings } from './hbp/config.js';
import { humhubSettings } from './humhub/config.js';
import { privacyideaSettings } from './privacyidea/config.js';
import { rocketchatSettings } from './rocketchat/config.js';

/**
 * Each dialect's configuration part (id, fields, reader), in registration order. The configuration reads
 * this list, never the dialects' routes, so loading the configuration (every CLI call) loads no HTTP code.
 */
export const DIALECT_SETTINGS = [
  hbpSettings,
  humhubSettings,
  rocketchatSettings,
  privacyideaSettings,
  datarheiSettings,
  hasuraAuthSettings,
] as const;

export type DialectId = (typeof DIALECT_SETTINGS)[number]['id'];
export const DIALECT_IDS = DIALECT_SETTINGS.map((m) => m.id) as DialectId[];

/** Each dialect's own settings, under its id (`config.humhub`, `config.rocketchat`…). */
export type DialectSettings = { [M in (typeof DIALECT_SETTINGS)[number] as M['id']]: ReturnType<M['readConfig']> };
