import type { DirectoryStore } from '../directories/store.js';
import { errors } from '../errors.js';
import type { ProviderService } from '../providers/service.js';
import type { UserService } from '../users/service.js';

const DIRECTORY_PREFIX = 'ldap:';

export interface LinkedAccount {
  /** The provider's name (`oidc`, `github`…) or, for a directory entry, `ldap:<realm>`. */
  provider: string;
  kind: 'provider' | 'directory';
  email: string | null;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

export interface RealmSource {
  realm: string;
  /** `directory` when an LDAP directory stands behind the realm. */
  kind: 'local' | 'directory';
  directory: { url: string; source: 'api' | 'file'; isDefault: boolean } | null;
}

/**
 * Where a user signs in from, for the admin API and console: the outside accounts linked to
 * them and whether their realm is local or backed by a directory (read, never changed, here).
 */
export function createSignInSources(deps: {
  users: UserService;
  providers: Pick<ProviderService, 'linked'>;
  directories: Pick<DirectoryStore, 'get'>;
}) {
  return {
    async of(userId: string): Promise<{ linked: LinkedAccount[]; realm: RealmSource }> {
      const user = await deps.users.get(userId);
      if (!user) throw errors.notFound('No such user');
      const [links, directory] = await Promise.all([deps.providers.linked(user.id), deps.directories.get(user.realm)]);
      return {
        linked: links.map((l) => ({
          provider: l.provider,
          kind: l.provider.startsWith(DIRECTORY_PREFIX) ? 'directory' : 'provider',
          email: l.email,
          linkedAt: l.linkedAt,
          lastUsedAt: l.lastUsedAt,
        })),
        realm: {
          realm: user.realm,
          kind: directory ? 'directory' : 'local',
          directory: directory
            ? { url: directory.url, source: directory.source, isDefault: directory.isDefault }
            : null,
        },
      };
    },
  };
}

export type SignInSources = ReturnType<typeof createSignInSources>;
