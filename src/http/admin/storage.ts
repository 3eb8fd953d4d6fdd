import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

const Usage = { bytes: Type.Integer({ minimum: 0 }), files: Type.Integer({ minimum: 0 }) };
const StorageUsage = Type.Object({
  ...Usage,
  folders: Type.Array(
    Type.Object({ folder: Type.String({ description: "a top-level folder ('' for files at the root)" }), ...Usage }),
    { description: 'largest first' },
  ),
});

/** GET /admin/storage/usage: what the files take, from the metadata table. */
export function registerStorageRoutes(app: App, s: Services): void {
  app.get(
    '/storage/usage',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Storage used: bytes and files in total and per top-level folder (from file metadata; cached image ' +
          'variants not counted)',
        response: responses({ 200: StorageUsage }, 401, 403),
      },
    },
    async () => s.storage.usage(),
  );
}
