import type { Config } from './config/load.js';
import type { Secrets } from './config/secrets.js';
import type { Background } from './core/background.js';
import type { Clock, Random } from './core/clock.js';
import { createSecretBox } from './core/mfa/secret-box.js';
import type { Queries } from './db/queries/index.js';
import { deriveKey } from './signing.js';
import { createDiskBackend } from './storage/backends/disk.js';
import { createRules, DEFAULT_RULES } from './storage/rules.js';
import { createStorageService } from './storage/service.js';

interface StorageDeps {
  config: Config;
  secrets: Secrets;
  queries: Queries;
  clock: Clock;
  random: Random;
  background: Background;
}

/** The file service on its backend (disk, or S3 when configured) with the access rules. */
export async function createStorage({ config, secrets, queries, clock, random, background }: StorageDeps) {
  return createStorageService({
    queries,
    clock,
    random,
    background,
    config: config.storage,
    box: createSecretBox(deriveKey(secrets.cookieSecret, 'storage-token')),
    // The S3 client is loaded only when configured: its SDK would add a second to every CLI call.
    backend: config.storage.s3
      ? (await import('./storage/backends/s3.js')).createS3Backend(config.storage.s3)
      : createDiskBackend(config.storage.root),
    rules: createRules(
      config.storage.rulesFile
        ? (await import('./storage/rules-file.js')).loadRules(config.storage.rulesFile)
        : DEFAULT_RULES,
    ),
  });
}
