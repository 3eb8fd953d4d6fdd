import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/load.js';
import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
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

/** How long one use of a setup link may hold the links (creating an admin takes a password hash). */
const CLAIM_MS = 60_000;

/**
 * The way into a server that has no admin yet and no ADMIN_SECRET: a single-use setup link printed at start, or
 * the admin named by GATEHOUSE_ADMIN_EMAIL with its password in GATEHOUSE_ADMIN_PASSWORD_FILE. A link's token is
 * kept only as its hash, in the database: a link printed by one instance works on every instance of that
 * database, until it expires, until its instance prints a newer one, or until any admin exists.
 */
export function createFirstRun({ config, queries, users, audit, clock, random }: FirstRunDeps) {
  /** The hash of the link this process printed last (a newer one voids it). */
  let printed: string | undefined;

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

  /**
   * Holds every live link while `create` runs, so that two uses at once (the same link twice, or two instances'
   * links) make one admin: the other is told a setup is in progress. The links are given back if it fails.
   */
  async function withClaim<T>(hash: string, create: () => Promise<T>): Promise<T> {
    const now = clock.now();
    const link = await queries.setupLinks.find(hash);
    if (!link || link.expiresAt <= now) throw errors.setupLinkInvalid();
    const until = new Date(now.getTime() + CLAIM_MS);
    if ((await queries.setupLinks.claimAll(now, until)) === 0) throw errors.setupInProgress();
    try {
      return await create();
    } catch (err) {
      await queries.setupLinks.release(until);
      throw err;
    }
  }

  return {
    needsAdmin,

    /** A new setup link when no admin exists (voiding the one this process printed before); undefined when one does. */
    async openSetupLink(): Promise<{ url: string; expiresAt: Date } | undefined> {
      if (!(await needsAdmin())) return undefined;
      const token = random.bytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + config.operators.setup.minutes * 60_000);
      await queries.setupLinks.clear(now);
      if (printed) await queries.setupLinks.remove(printed);
      printed = sha256(token);
      await queries.setupLinks.insert(printed, expiresAt, now);
      return { url: `${config.server.url}/console/setup#token=${token}`, expiresAt };
    },

    /** Whether a setup link is waiting to be used, on any instance (what the setup page asks first). */
    setupOpen: (): Promise<boolean> => queries.setupLinks.anyLive(clock.now()),

    /**
     * Creates the first admin with a setup link's token. The links are spent only when the admin exists: a
     * refused password leaves the link usable. Refused once any admin exists, whoever made it.
     */
    async completeSetup(token: string, input: NewAdmin, client: { ip?: string; userAgent?: string }): Promise<User> {
      const admin = await withClaim(sha256(token), async () => {
        if (!(await needsAdmin())) {
          await queries.setupLinks.clear();
          throw errors.setupLinkInvalid();
        }
        return createAdmin(input);
      });
      await queries.setupLinks.clear();
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
