import { int } from '../../../config/fields.js';
import type { RawOf } from '../manifest.js';

export const rocketchatFields = {
  ROCKETCHAT_TOKEN_DAYS: int({ doc: 'Lifetime of Rocket.Chat auth tokens, days.', default: 90, min: 1, max: 3650 }),
  ROCKETCHAT_LOGIN_PER_IP: int({
    doc: 'Rocket.Chat logins per IP per RATE_LIMIT_WINDOW (on top of RATE_LIMIT_AUTH_PER_IP, which every door shares).',
    default: 10,
    min: 1,
    max: 1000000,
  }),
};

export const readRocketchatConfig = (raw: RawOf<typeof rocketchatFields>) => ({
  tokenDays: raw.ROCKETCHAT_TOKEN_DAYS,
  loginPerIp: raw.ROCKETCHAT_LOGIN_PER_IP,
});
export type RocketchatConfig = ReturnType<typeof readRocketchatConfig>;

/** What the configuration needs of this dialect, without loading its routes. */
export const rocketchatSettings = {
  id: 'rocketchat',
  summary: '`rocketchat` (/api/v1/login…)',
  configFields: rocketchatFields,
  readConfig: readRocketchatConfig,
} as const;
