import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/load.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { safeEqual, sha256 } from '../hash.js';
import type { User, UserService } from '../users/service.js';

export interface FirstRunDeps {
  config: Config;
  queries: Queries;
  users: UserService;
  audit: Audit;
  clock: Clock;
  random: Random;
}

export interface NewAdmin {
  email: string;
  password: string;
  displayName?: string;
}

/**
 * The way into a server that has no admin yet and no ADMIN_SECRET: a single-use setup link printed at start
 * (its token kept here, hashed, only in this process's memory: a restart prints a new one and voids the old),
 * or the admin named by GATEHOUSE_ADMIN_EMAIL with its password in GATEHOUSE_ADMIN_PASSWORD_FILE.
 */
export function createFirstRun({ config, queries, users, audit, clock, random }: FirstRunDeps) {
  let pending: { hash: string; expiresAt: Date } | undefined;
  let completing = false;

  const needsAdmin = async () =>
    config.storage.adminSecret === undefined && !(await queries.userRoles.anyWithRole('admin'));

  async function createAdmin(input: NewAdmin): Promise<User> {
    const roles = [...new Set([...config.users.defaultAllowedRoles, 'admin'])];
    return users.create({
      email: input.email,
      password: input.password,
      displayName: input.displayName || null,
      roles,
      defaultRole: config.users.defaultRole,
      active: true,
    });
  }

  return {
    needsAdmin,

    /** A new setup link when no admin exists (voiding any earlier one); undefined when one does. */
    async openSetupLink(): Promise<{ url: string; expiresAt: Date } | undefined> {
      if (!(await needsAdmin())) return undefined;
      const token = random.bytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + config.operators.setup.minutes * 60_000);
      pending = { hash: sha256(token), expiresAt };
      return { url: `${config.server.url}/console/setup#token=${token}`, expiresAt };
    },

    /** Whether a setup link is waiting to be used (what the setup page asks first). */
    setupOpen: () => pending !== undefined && pending.expiresAt > clock.now(),

    /**
     * Creates the first admin with the setup link's token. The token is spent only when the admin exists: a
     * refused password leaves it usable. Refused once any admin exists, whoever made it.
     */
    async completeSetup(token: string, input: NewAdmin, client: { ip?: string; userAgent?: string }): Promise<User> {
      const valid = pending !== undefined && safeEqual(sha256(token), pending.hash);
      if (!valid || pending!.expiresAt <= clock.now()) throw errors.setupLinkInvalid();
      if (completing) throw errors.setupInProgress();
      completing = true;
      try {
        if (!(await needsAdmin())) {
          pending = undefined;
          throw errors.setupLinkInvalid();
        }
        const admin = await createAdmin(input);
        pending = undefined;
        await audit.record({
          actor: admin.id,
          action: 'setup.admin',
          subject: admin.id,
          outcome: 'success',
          ip: client.ip ?? null,
          userAgent: client.userAgent ?? null,
          detail: { via: 'setup-link' },
        });
        return admin;
      } finally {
        completing = false;
      }
    },

    /** GATEHOUSE_ADMIN_EMAIL + GATEHOUSE_ADMIN_PASSWORD_FILE: creates that admin when none exists yet. */
    async bootstrapAdmin(): Promise<User | undefined> {
      const wanted = config.operators.bootstrapAdmin;
      if (!wanted || (await queries.userRoles.anyWithRole('admin'))) return undefined;
      let password: string;
      try {
        password = (await readFile(wanted.passwordFile, 'utf8')).replace(/\r?\n$/, '');
      } catch (cause) {
        throw errors.adminPasswordFileUnreadable(
          `GATEHOUSE_ADMIN_PASSWORD_FILE ${wanted.passwordFile}: ${(cause as Error).message}`,
          { cause },
        );
      }
      const admin = await createAdmin({ email: wanted.email, password });
      await audit.record({
        actor: 'system',
        action: 'setup.admin',
        subject: admin.id,
        outcome: 'success',
        detail: { via: 'GATEHOUSE_ADMIN_EMAIL' },
      });
      return admin;
    },
  };
}

export type FirstRun = ReturnType<typeof createFirstRun>;
