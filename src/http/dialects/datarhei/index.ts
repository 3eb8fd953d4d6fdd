import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type DatarheiConfig, datarheiSettings } from './config.js';
import { datarheiEnvelope } from './envelope.js';
import { datarheiRoutes } from './routes.js';
import { DatarheiError } from './schemas.js';

/** datarhei Core's /api, /api/login and /api/login/refresh. */
export const datarhei: DialectManifest<'datarhei', typeof datarheiSettings.configFields, DatarheiConfig> = {
  ...datarheiSettings,
  tokenKinds: ['datarhei-access', 'datarhei-refresh'],
  // Core's whole /api group sits behind its JWT middleware: an unknown path there is a 401 before it is a 404.
  prefixes: ['/api/'],
  unknownPathStatuses: [401, 404],
  async register(app, core, config) {
    acceptEmptyJson(app);
    useEnvelope(app, datarheiEnvelope(config.mfa), DatarheiError);
    await datarheiRoutes(app, core, config);
  },
};
