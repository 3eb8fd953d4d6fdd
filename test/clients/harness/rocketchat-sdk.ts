import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `api` module of @rocket.chat/sdk 0.2.9, from the published tarball in test/fixtures.
 * The package cannot be installed by npm here (it depends on a git URL, `rocketchat/asteroid`, which only its
 * DDP driver uses), so the tarball is unpacked under node_modules/.cache, where its one runtime dependency of
 * the api module (node-rest-client, a devDependency) resolves.
 */
export interface RocketChatSdkApi {
  url: string;
  currentLogin: { username: string; authToken: string; userId: string } | null;
  login(user: {
    username: string;
    password: string;
  }): Promise<{ status: string; data: { userId: string; authToken: string; me: Record<string, unknown> } }>;
  logout(): Promise<void>;
  get(endpoint: string, data?: unknown, auth?: boolean): Promise<Record<string, unknown> | undefined>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const TARBALL = path.join(root, 'test/fixtures/rocket.chat-sdk-0.2.9.tgz');
const UNPACKED = path.join(root, 'node_modules/.cache/rocket.chat-sdk-0.2.9');

/** A fresh copy of the api module (its login state is module-level), pointed at `baseUrl`. */
export function loadRocketChatSdkApi(baseUrl: string): RocketChatSdkApi {
  if (!existsSync(path.join(UNPACKED, 'package/dist/lib/api.js'))) {
    mkdirSync(UNPACKED, { recursive: true });
    execFileSync('tar', ['-xzf', TARBALL, '-C', UNPACKED]);
  }
  const require = createRequire(path.join(UNPACKED, 'package/package.json'));
  for (const key of Object.keys(require.cache)) if (key.startsWith(UNPACKED)) delete require.cache[key];
  require('./dist/lib/log.js').silence();
  const api = require('./dist/lib/api.js') as RocketChatSdkApi;
  // The module builds its URL from ROCKETCHAT_URL when loaded; this is the same value set afterwards.
  api.url = `${baseUrl}/api/v1/`;
  return api;
}
