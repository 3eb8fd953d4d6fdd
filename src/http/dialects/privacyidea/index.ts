import formbody from '@fastify/formbody';
import { acceptMultipartFields } from '../forms.js';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { privacyideaFields, readPrivacyideaConfig, type PrivacyideaConfig } from './config.js';
import { privacyideaEnvelope } from './envelope.js';
import { privacyideaRoutes } from './routes.js';
import { PrivacyideaError } from './schemas.js';

/** privacyIDEA's /auth and /auth/rights. */
export const privacyidea: DialectManifest<'privacyidea', typeof privacyideaFields, PrivacyideaConfig> = {
  id: 'privacyidea',
  summary: '`privacyidea` (POST /auth, /auth/rights)',
  configFields: privacyideaFields,
  readConfig: readPrivacyideaConfig,
  tokenKinds: ['privacyidea-jwt'],
  async register(app, core, config) {
    await app.register(formbody);
    await acceptMultipartFields(app);
    acceptEmptyJson(app);
    useEnvelope(app, privacyideaEnvelope(() => core.clock.now()), PrivacyideaError);
    await privacyideaRoutes(app, core, config);
  },
};
