import formbody from '@fastify/formbody';
import { acceptMultipartFields } from '../forms.js';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type RocketchatConfig, rocketchatSettings } from './config.js';
import { rocketchatEnvelope } from './envelope.js';
import { rocketchatRoutes } from './routes.js';
import { RocketchatError } from './schemas.js';

/** Rocket.Chat's REST login (/api/v1/login, /api/v1/me, /api/v1/logout). */
export const rocketchat: DialectManifest<'rocketchat', typeof rocketchatSettings.configFields, RocketchatConfig> = {
  ...rocketchatSettings,
  tokenKinds: ['rocketchat-resume'],
  prefixes: ['/api/v1/'],
  async register(app, core, config) {
    await app.register(formbody);
    await acceptMultipartFields(app);
    acceptEmptyJson(app);
    useEnvelope(app, rocketchatEnvelope, RocketchatError);
    await rocketchatRoutes(app, core, config);
  },
};
