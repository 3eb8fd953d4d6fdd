import type { Services } from '../../../services.js';
import type { App } from '../../types.js';
import { registerAccountRoutes } from './account.js';
import { registerCredentialRoutes } from './credentials.js';
import { registerJwksRoute } from './jwks.js';
import { registerSessionRoutes } from './sessions.js';
import { registerLifecycleRoutes } from './lifecycle.js';
import { registerMfaLoginRoute } from './mfa.js';
import { registerDisabled } from '../../plugins/feature-gate.js';
import { registerProviderRoutes } from './providers.js';
import { registerPasskeySignIn } from './webauthn/sign-in.js';
import { registerPasskeySignUp } from './webauthn/sign-up.js';

/** The HBP /auth API. Public routes here; the signed-in user's routes in their own guarded context. */
export async function nativeAuth(app: App, s: Services) {
  const { lifecycle } = s.config;
  registerCredentialRoutes(app, s);
  registerSessionRoutes(app, s);
  registerJwksRoute(app, s);
  registerLifecycleRoutes(app, s);
  if (lifecycle.mfa) registerMfaLoginRoute(app, s);
  else
    registerDisabled(app, 'MFA_ENABLED', [
      ['POST', '/mfa/totp'],
      ['POST', '/mfa/generate'],
      ['POST', '/mfa/enable'],
      ['POST', '/mfa/disable'],
      ['POST', '/mfa/recovery-codes'],
    ]);
  if (s.config.passkeys.enabled) {
    registerPasskeySignIn(app, s);
    registerPasskeySignUp(app, s);
  }
  if (!lifecycle.selfDelete) registerDisabled(app, 'ALLOW_USER_SELF_DELETE', [['POST', '/delete']]);
  await app.register(async (authenticated: App) => registerAccountRoutes(authenticated, s));
  await registerProviderRoutes(app, s);
}
