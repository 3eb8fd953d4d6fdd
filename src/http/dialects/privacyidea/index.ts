import formbody from '@fastify/formbody';
import { acceptMultipartFields } from '../forms.js';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type PrivacyideaConfig, privacyideaSettings } from './config.js';
import { privacyideaEnvelope } from './envelope.js';
import { privacyideaRoutes } from './routes.js';
import { PrivacyideaError } from './schemas.js';

/** privacyIDEA's /auth and /auth/rights. */
export const privacyidea: DialectManifest<'privacyidea', typeof privacyideaSettings.configFields, PrivacyideaConfig> = {
  ...privacyideaSettings,
  tokenKinds: ['privacyidea-jwt'],
  async register(app, core, config) {
    await app.register(formbody);
    await acceptMultipartFields(app);
    acceptEmptyJson(app);
    useEnvelope(
      app,
      privacyideaEnvelope(() => core.clock.now()),
      PrivacyideaError,
    );
    await privacyideaRoutes(app, core, config);
  },
};
