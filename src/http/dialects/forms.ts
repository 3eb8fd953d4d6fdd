import multipart from '@fastify/multipart';
import type { App } from '../types.js';

/**
 * Login forms sent as multipart/form-data (HumHub's own Postman collection does; PHP, Flask and browsers'
 * FormData all produce it): the text fields become the body, as with JSON or urlencoded. Files are refused.
 */
export async function acceptMultipartFields(app: App) {
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { files: 0, fields: 20, fieldSize: 4096, parts: 20 } });
}
