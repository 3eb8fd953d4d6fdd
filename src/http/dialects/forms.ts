import multipart from '@fastify/multipart';
import { multipartError } from '../multipart-errors.js';
import type { App } from '../types.js';

/**
 * Login forms sent as multipart/form-data (HumHub's own Postman collection does; PHP, Flask and browsers'
 * FormData all produce it): the text fields become the body, as with JSON or urlencoded (a field sent
 * twice, an array). Files are refused (413), and a body busboy cannot read (no boundary, cut short) is a
 * 400 `invalid-multipart` in the dialect's envelope, never a 500.
 */
export async function acceptMultipartFields(app: App) {
  await app.register(multipart, { limits: { files: 0, fields: 20, fieldSize: 4096, parts: 20 } });
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    // No prototype: a field named __proto__ is just a field.
    const body: Record<string, string | string[]> = Object.create(null);
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          part.file.resume(); // ignored (the files limit of 0 refuses a file before it gets here)
          continue;
        }
        const value = String(part.value);
        const before = body[part.fieldname];
        body[part.fieldname] = before === undefined ? value : [before, value].flat();
      }
    } catch (err) {
      throw multipartError(err);
    }
    request.body = body;
  });
}
