import type { Config } from '../../config/load.js';
import { errors } from '../errors.js';

export interface RegistrationRequest {
  allowedRoles?: string[];
  defaultRole?: string;
  userData?: Record<string, unknown>;
}

export interface RegistrationProfile {
  roles: string[];
  defaultRole: string;
  displayName?: string;
  avatarUrl?: string;
  locale?: string;
  username?: string;
  metadata: Record<string, unknown>;
}

const PROFILE_FIELDS = {
  display_name: 'displayName',
  avatar_url: 'avatarUrl',
  locale: 'locale',
  username: 'username',
} as const;

/**
 * Applies HBP's registration rules: requested roles must be a subset of ALLOWED_USER_ROLES
 * and the default role one of them; user_data may carry the profile fields and the
 * operator's REGISTRATION_CUSTOM_FIELDS, nothing else.
 */
export function resolveRegistration(users: Config['users'], req: RegistrationRequest): RegistrationProfile {
  const roles = req.allowedRoles ?? users.defaultAllowedRoles;
  const refused = roles.filter((r) => !users.allowedRoles.includes(r));
  if (refused.length) throw errors.roleNotAllowed(`Roles not allowed: ${refused.join(', ')}`);
  const defaultRole = req.defaultRole ?? (roles.includes(users.defaultRole) ? users.defaultRole : roles[0]);
  if (!defaultRole || !roles.includes(defaultRole))
    throw errors.roleNotAllowed('default_role must be one of allowed_roles');

  const profile: RegistrationProfile = { roles, defaultRole, metadata: {} };
  for (const [key, value] of Object.entries(req.userData ?? {})) {
    if (key in PROFILE_FIELDS) {
      if (typeof value !== 'string' || value.length > 256)
        throw errors.validation(`user_data.${key} must be a string of at most 256 characters`);
      profile[PROFILE_FIELDS[key as keyof typeof PROFILE_FIELDS]] = value;
    } else if (users.customFields.includes(key)) {
      profile.metadata[key] = value;
    } else {
      throw errors.validation(`user_data.${key} is not an accepted registration field`);
    }
  }
  return profile;
}
