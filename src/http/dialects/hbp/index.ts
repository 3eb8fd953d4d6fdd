import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { nativeAuth } from '../../native/auth/index.js';
import { nativeStorage } from '../../native/storage/index.js';
import { nativeEnvelope } from '../../plugins/errors.js';
import { useEnvelope, type DialectManifest } from '../manifest.js';
import { hbpSettings } from './config.js';

/** The native API: Hasura Backend Plus /auth and /storage, in HBP's own error shape. */
export const hbp: DialectManifest<'hbp', Record<string, never>, Record<string, never>> = {
  ...hbpSettings,
  tokenKinds: ['access-jwt', 'refresh'],
  async register(app, core) {
    useEnvelope(app, nativeEnvelope);
    await app.register(async (scope) => nativeAuth(scope.withTypeProvider<TypeBoxTypeProvider>(), core), {
      prefix: '/auth',
    });
    await app.register(async (scope) => nativeStorage(scope.withTypeProvider<TypeBoxTypeProvider>(), core), {
      prefix: '/storage',
    });
  },
};
