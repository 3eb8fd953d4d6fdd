import type { Services } from '../../../services.js';
import type { App } from '../../types.js';
import { registerAccountRoutes } from './account.js';
import { registerCredentialRoutes } from './credentials.js';
import { registerJwksRoute } from './jwks.js';
import { registerSessionRoutes } from './sessions.js';

/** The HBP /auth API. Public routes here; the signed-in user's routes in their own guarded context. */
export async function nativeAuth(app: App, s: Services) {
  registerCredentialRoutes(app, s);
  registerSessionRoutes(app, s);
  registerJwksRoute(app, s);
  await app.register(async (authenticated: App) => registerAccountRoutes(authenticated, s));
}
