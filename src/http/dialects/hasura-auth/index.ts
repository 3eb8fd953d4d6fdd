import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { acceptEmptyJson, useEnvelope, type DialectManifest } from '../manifest.js';
import { type HasuraAuthConfig, hasuraAuthSettings } from './config.js';
import { registerAccountRoutes } from './account.js';
import { registerAnonymousRoutes } from './anonymous.js';
import { HasuraError, hasuraEnvelope } from './envelope.js';
import { registerMetaRoutes } from './meta.js';
import { registerMfaRoutes } from './mfa.js';
import { registerPasswordlessRoutes } from './passwordless.js';
import { registerPatRoutes } from './pat.js';
import { registerProviderRoutes } from './providers.js';
import { registerSessionRoutes } from './sessions.js';
import { registerWebauthnRoutes } from './webauthn.js';

/** nhost's hasura-auth (the API of `@nhost/hasura-auth-js` and `@nhost/nhost-js`), at HASURA_AUTH_MOUNT. */
export const hasuraAuth: DialectManifest<'hasura-auth', typeof hasuraAuthSettings.configFields, HasuraAuthConfig> = {
  ...hasuraAuthSettings,
  // Its sessions are HBP's: the same access JWTs and rotating refresh tokens, so it declares no kind of its own.
  tokenKinds: [],
  async register(app, core, config) {
    await app.register(
      async (scope) => {
        const api = scope.withTypeProvider<TypeBoxTypeProvider>();
        acceptEmptyJson(api);
        useEnvelope(api, hasuraEnvelope, HasuraError);
        registerSessionRoutes(api, core, config);
        registerAccountRoutes(api, core, config);
        registerMfaRoutes(api, core);
        registerPasswordlessRoutes(api, core, config);
        registerPatRoutes(api, core);
        registerAnonymousRoutes(api, core, config);
        registerProviderRoutes(api, core, config);
        registerWebauthnRoutes(api, core, config);
        registerMetaRoutes(api, core, config);
      },
      { prefix: config.mount },
    );
  },
};
