import { isUniqueViolation } from '../../db/dialect.js';
import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { SecretBox } from '../mfa/secret-box.js';
import type { UserService } from '../users/service.js';
import { settingsOf, toDirectory, type Directory, type DirectoryInput } from './settings.js';

const fromFile = () => errors.directoryFromFile();

/**
 * Where directories live: DIRECTORIES_FILE (read once, at start) and the database (admin API,
 * CLI), bind passwords sealed. A file entry shadows a database entry of the same realm.
 */
export function createDirectoryStore(deps: {
  queries: Queries;
  users: UserService;
  box: SecretBox;
  clock: Clock;
  fileDirectories: Directory[];
}) {
  const { queries, box, clock, fileDirectories } = deps;
  const inFile = (realm: string) => fileDirectories.find((d) => d.realm === realm);
  const fromRow = (row: NonNullable<Awaited<ReturnType<Queries['directories']['get']>>>) =>
    toDirectory(
      row.realm,
      { ...(row.settings as unknown as DirectoryInput), default: row.isDefault },
      row.bindPassword && box.open(row.bindPassword),
      'api',
    );

  async function ensureRealm(realm: string) {
    if (!(await queries.users.realmExists(realm)))
      await queries.users.createRealm(realm, clock.now()).catch((err) => {
        if (!isUniqueViolation(err)) throw err;
      });
  }

  const store = {
    ensureRealm,

    async list(): Promise<Directory[]> {
      const stored = (await queries.directories.list()).filter((r) => !inFile(r.realm)).map(fromRow);
      return [...fileDirectories, ...stored].sort((a, b) => a.realm.localeCompare(b.realm));
    },

    async get(realm: string): Promise<Directory | undefined> {
      const file = inFile(realm);
      if (file) return file;
      const row = await queries.directories.get(realm);
      return row && fromRow(row);
    },

    /** The directory searched by logins that name no realm: the file's default wins over the database's. */
    async defaultDirectory(): Promise<Directory | undefined> {
      return fileDirectories.find((d) => d.isDefault) ?? (await store.list()).find((d) => d.isDefault);
    },

    /** Creates or replaces a database directory (and its realm); an absent bind_password keeps the stored one. */
    async put(realm: string, input: DirectoryInput): Promise<{ created: boolean; directory: Directory }> {
      if (inFile(realm)) throw fromFile();
      // The checks parse LDAP filters with ldapts: loaded by the first write, not by every start.
      const { directoryProblems } = await import('./validate.js');
      const problems = directoryProblems(input);
      if (problems.length) throw errors.validation(problems.join('; '));
      const existing = await queries.directories.get(realm);
      const sealed =
        input.bind_password === undefined
          ? (existing?.bindPassword ?? null)
          : input.bind_password === null
            ? null
            : box.seal(input.bind_password);
      const directory = toDirectory(realm, input, null, 'api');
      if (directory.isDefault && fileDirectories.some((d) => d.isDefault)) throw errors.directoryDefaultInFile();
      await ensureRealm(realm);
      const { default: isDefault, ...settings } = settingsOf(directory);
      await queries.directories.upsert(
        { realm, settings, bindPassword: sealed, isDefault: Boolean(isDefault) },
        clock.now(),
      );
      return { created: !existing, directory: (await store.get(realm))! };
    },

    /** Deletes a database directory; its users stay, unlinked, and can no longer sign in with a password. */
    async remove(realm: string): Promise<void> {
      if (inFile(realm)) throw fromFile();
      if (!(await queries.directories.remove(realm))) throw errors.notFound(`No directory for realm ${realm}`);
      await queries.userIdentities.removeProvider(`ldap:${realm}`);
    },
  };
  return store;
}

export type DirectoryStore = ReturnType<typeof createDirectoryStore>;
