import type { Static } from '@sinclair/typebox';
import { resolveRegistration } from '../../../core/users/registration.js';
import type { Services } from '../../../services.js';
import type { SignUpOptions } from './schemas.js';

/** The account a sign-up creates from hasura-auth's `options` (roles, display name, locale, metadata). */
export function signUpInput(s: Services, email: string, options: Static<typeof SignUpOptions>) {
  const userData = { display_name: options.displayName, locale: options.locale };
  const profile = resolveRegistration(s.config.users, {
    allowedRoles: options.allowedRoles,
    defaultRole: options.defaultRole,
    userData: Object.fromEntries(Object.entries(userData).filter(([, v]) => v !== undefined)),
  });
  return { email, ...profile, metadata: options.metadata ?? {}, active: s.config.users.autoActivate };
}
