import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * newman's Node API over HumHub's own Postman collection (humhub/rest docs/postman, copied to test/fixtures).
 * The collection runs as published; only the environment's API_URL points at the server under test.
 */
const require = createRequire(import.meta.url);
const newman = require('newman') as {
  run(options: Record<string, unknown>, done: (err: Error | null, summary: NewmanSummary) => void): void;
};

export interface NewmanSummary {
  run: {
    failures: { error: { message: string }; source?: { name?: string } }[];
    executions: {
      item: { name: string };
      request: { headers: { toJSON(): { key: string; value: string }[] } };
      response?: { code: number; text(): string };
    }[];
  };
  environment: { toJSON(): { values: { key: string; value: string }[] } };
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const COLLECTION_PATH = path.resolve(here, '../../fixtures/humhub-api.postman_collection.json');

/** The published collection, as JSON. */
export function humhubCollection(): { item: { name: string; item?: unknown[] }[] } & Record<string, unknown> {
  if (!existsSync(COLLECTION_PATH)) {
    throw new Error(
      `HumHub's Postman collection is missing at ${COLLECTION_PATH}: copy "docs/postman/Humhub API.postman_collection.json" from humhub/rest there (see WIRE.md §2)`,
    );
  }
  return JSON.parse(readFileSync(COLLECTION_PATH, 'utf8'));
}

/** Runs one folder of a collection against `apiUrl` (HumHub's `{{API_URL}}`, i.e. `<base>/api/v1`). */
export function runFolder(
  collection: unknown,
  folder: string,
  apiUrl: string,
): Promise<NewmanSummary & { env: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection,
        folder,
        // The environment the collection ships with, HUMHUB.postman_environment.json, with API_URL set to this server.
        environment: {
          name: 'HUMHUB',
          values: [
            { key: 'AUTHORIZATION_ADMIN', value: 'Bearer...', enabled: true },
            { key: 'AUTHORIZATION_TEST', value: '', enabled: true },
            { key: 'API_URL', value: apiUrl, enabled: true },
          ],
        },
        reporters: [],
        timeout: 20_000,
      },
      (err, summary) => {
        if (err) return reject(err);
        const env = Object.fromEntries(summary.environment.toJSON().values.map((v) => [v.key, v.value]));
        resolve({ ...summary, env });
      },
    );
  });
}
