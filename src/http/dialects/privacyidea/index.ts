import formbody from '@fastify/formbody';
import { acceptMultipartFields } from '../forms.js';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type PrivacyideaConfig, privacyideaSettings } from './config.js';
import { privacyideaEnvelope } from './envelope.js';
import { privacyideaRoutes } from './routes.js';
import { PrivacyideaError } from './schemas.js';

/**
 * The blueprints of privacyIDEA's API that its web UIs call after signing in (`/auth/` is HBP's when both are on).
 * Gatehouse serves none of them: each answers privacyIDEA's error, which the UIs read as `result.error`.
 */
const PRIVACYIDEA_PREFIXES = [
  '/token/',
  '/container/',
  '/realm/',
  '/defaultrealm/',
  '/resolver/',
  '/user/',
  '/policy/',
  '/system/',
  '/audit/',
  '/machine/',
  '/machineresolver/',
  '/application/',
  '/caconnector/',
  '/smtpserver/',
  '/smsgateway/',
  '/radiusserver/',
  '/privacyideaserver/',
  '/periodictask/',
  '/event/',
  '/subscriptions/',
  '/monitoring/',
  '/tokengroup/',
  '/serviceid/',
  '/info/',
  '/validate/',
  '/ttype/',
  '/recover/',
  '/register/',
];

/** privacyIDEA's /auth and /auth/rights. */
export const privacyidea: DialectManifest<'privacyidea', typeof privacyideaSettings.configFields, PrivacyideaConfig> = {
  ...privacyideaSettings,
  tokenKinds: ['privacyidea-jwt'],
  prefixes: PRIVACYIDEA_PREFIXES,
  async register(app, core, config) {
    await app.register(formbody);
    await acceptMultipartFields(app);
    acceptEmptyJson(app);
    useEnvelope(app, privacyideaEnvelope({ now: () => core.clock.now(), version: config.version }), PrivacyideaError);
    await privacyideaRoutes(app, core, config);
  },
};
