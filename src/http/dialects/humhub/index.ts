import formbody from '@fastify/formbody';
import { acceptMultipartFields } from '../forms.js';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type HumhubConfig, humhubSettings } from './config.js';
import { humhubBannerRoute } from './banner.js';
import { humhubEnvelope } from './envelope.js';
import { humhubImageRoutes } from './images.js';
import { humhubRoutes } from './routes.js';
import { YiiError } from './schemas.js';

/** HumHub's REST authentication (/api/v1/auth/*). */
export const humhub: DialectManifest<'humhub', typeof humhubSettings.configFields, HumhubConfig> = {
  ...humhubSettings,
  tokenKinds: ['humhub-jwt', 'bearer', 'impersonation'],
  prefixes: ['/api/v1/auth/'],
  async register(app, core, config) {
    await app.register(formbody);
    await acceptMultipartFields(app);
    acceptEmptyJson(app);
    useEnvelope(app, humhubEnvelope, YiiError);
    await humhubRoutes(app, core, config);
    humhubImageRoutes(app, core);
    humhubBannerRoute(app);
  },
};
