import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { FileRow } from '../../../db/queries/files.js';
import type { Services } from '../../../services.js';
import { parseStoragePath } from '../../../storage/paths.js';
import { MAX_PAGE } from '../../../storage/listing.js';
import { withCurrentRow } from '../../../storage/object-gone.js';
import type { StoredFile } from '../../../storage/service.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { storageCaller } from './caller.js';
import { sendFile } from './download.js';
import { uploadBody } from './upload-body.js';
import { STORAGE_HEADERS } from '../../../storage/serve-as.js';
import { outputFormat, parseTransform } from '../../../storage/transform/params.js';

const Metadata = Type.Object({
  key: Type.String(),
  AcceptRanges: Type.String(),
  LastModified: Type.String({ format: 'date-time' }),
  ContentLength: Type.Integer(),
  ETag: Type.String(),
  ContentType: Type.String(),
  Metadata: Type.Object({
    token: Type.Optional(Type.String({ description: 'Read token for ?token=, for callers who may read the file' })),
  }),
});
const Binary = Type.String({ format: 'binary', description: 'The file (or a zip of the folder)' });
/** Files are answered in their own type (a JSON body only for errors), which OpenAPI spells as any media type. */
const FileBody = Type.Unsafe<string>({
  description: 'The file (or a zip of the folder)',
  content: { '*/*': { schema: Binary } },
});
const ListingQuery = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,6}$',
        description: `folders: files per page, 1–${MAX_PAGE} (default ${MAX_PAGE})`,
      }),
    ),
    marker: Type.Optional(
      Type.String({ maxLength: 4096, description: 'folders: the X-Next-Marker of the previous page; starts after it' }),
    ),
  },
  { additionalProperties: true },
);
const ImageQuery = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 128 })),
    w: Type.Optional(Type.String({ description: 'width, 0–8192' })),
    h: Type.Optional(Type.String({ description: 'height, 0–8192' })),
    q: Type.Optional(Type.String({ description: 'quality, 1–100' })),
    f: Type.Optional(Type.String({ description: 'webp | png | jpeg | auto' })),
    r: Type.Optional(Type.String({ description: 'corner radius in pixels, or full' })),
    b: Type.Optional(Type.String({ description: 'blur sigma, 0.3–1000' })),
  },
  { additionalProperties: true },
);

const metadataOf = (f: StoredFile | FileRow) => ({
  key: f.key,
  AcceptRanges: 'bytes',
  LastModified: f.updatedAt.toISOString(),
  ContentLength: f.size,
  ETag: f.etag,
  ContentType: f.contentType,
  Metadata: 'token' in f && f.token ? { token: f.token } : {},
});

/**
 * Whether a folder listing goes on, S3 ListObjects style, in headers so that the body stays the
 * array HBP clients read: `X-Truncated` always, and for a truncated page `X-Next-Marker` (the last
 * key covered, percent-encoded: pass it verbatim as `?marker=`) and a `Link` to the next page.
 */
function pagingHeaders(url: string, nextMarker: string | undefined): Record<string, string> {
  if (nextMarker === undefined) return { 'x-truncated': 'false' };
  const marker = encodeURIComponent(nextMarker);
  const [path, query = ''] = url.split('?') as [string, string?];
  const rest = query.split('&').filter((p) => p !== '' && !p.startsWith('marker='));
  const next = `${path}?${[...rest, `marker=${marker}`].join('&')}`;
  const headers: Record<string, string> = { 'x-truncated': 'true', 'x-next-marker': marker };
  // A path sent with raw non-ASCII bytes cannot be echoed in a header; the marker is enough.
  if (/^[\x21-\x7e]*$/.test(next)) headers.link = `<${next}>; rel="next"`;
  return headers;
}

/** The storage key of the request: the raw path after /storage/o/ or /storage/m/, validated. */
const pathOf = (request: FastifyRequest) =>
  parseStoragePath(request.url.split('?')[0]!.replace(/^\/storage\/[om]\//, ''));

/** HBP's storage API: /storage/o/<path> (objects) and /storage/m/<path> (metadata). */
export async function nativeStorage(app: App, s: Services) {
  const { storage } = s;
  const publicHost = s.config.storage.publicUrl === undefined ? undefined : new URL(s.config.storage.publicUrl).host;
  const callerOf = (request: FastifyRequest) => storageCaller(request, s, s.config.storage.adminSecret);

  // Nothing storage answers (file, zip, metadata or error) may run, frame or be sniffed on our origin.
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(STORAGE_HEADERS);
  });

  // Uploads are streams: a raw body of any type is handed over unread, multipart through busboy.
  app.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (_request, _payload, done) => done(null));
  await app.register(multipart, { limits: { files: 1, fields: 10, fileSize: Number.MAX_SAFE_INTEGER } });

  app.post(
    '/o/*',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER, // STORAGE_MAX_FILE_SIZE is enforced while streaming
      schema: {
        tags: ['storage'],
        summary: 'Upload a file (multipart field "file", or a raw body with its Content-Type)',
        response: responses({ 200: Metadata }, 400, 401, 403, 404, 408, 409, 413, 415),
      },
    },
    async (request) => {
      const { key, dir } = pathOf(request);
      if (dir) throw errors.validation('Upload to a file path, not a folder');
      const caller = await callerOf(request);
      const upload = await uploadBody(request);
      const sizeHint = Number(request.headers['content-length']) || undefined;
      const stored = storage.upload(key, upload.body, upload.declaredType, caller, sizeHint);
      return metadataOf(await stored.catch((err) => Promise.reject(upload.explain(err))));
    },
  );

  app.get(
    '/o/*',
    {
      schema: {
        tags: ['storage'],
        summary:
          'Download a file (Range, ETag; image transforms with w, h, q, f, r, b), or a zip of a folder (path ending ' +
          'in /)',
        querystring: ImageQuery,
        response: responses(
          {
            200: FileBody,
            206: FileBody,
            302: Type.Null({ description: 'A share link, moved to STORAGE_PUBLIC_URL' }),
            304: NoContent,
          },
          400,
          401,
          403,
          404,
          416,
          503,
        ),
      },
    },
    async (request, reply) => {
      const { key, dir } = pathOf(request);
      // A share link carries its own credential, so it can be opened on the files origin, away from our cookies.
      if (publicHost !== undefined && request.query.token !== undefined && request.host !== publicHost)
        return reply.redirect(`${s.config.storage.publicUrl}${request.url}`, 302);
      const caller = await callerOf(request);
      if (!dir) {
        const file = await storage.readable(key, caller, request.query.token);
        const reread = () => storage.reread(key, caller, request.query.token);
        const transform = parseTransform(request.query);
        if (!transform) return sendFile(request, reply, storage, file, reread);
        const formatOf = (f: FileRow) => outputFormat(transform, f.contentType, request.headers.accept);
        // A source replaced on another instance meanwhile: its current version is transformed.
        const { source, variant } = await withCurrentRow(file, reread, async (f) => ({
          source: f,
          variant: await storage.variant(f, transform, formatOf(f)),
        }));
        const format = formatOf(source);
        reply.headers({
          etag: variant.etag,
          vary: 'Accept',
          'cache-control': 'private, no-cache',
          'content-disposition': 'inline',
        });
        if (request.headers['if-none-match'] === variant.etag) return reply.code(304).send();
        return reply.type(`image/${format}`).send(variant.body);
      }
      const zip = storage.zip(key, caller, (err, file) => request.log.warn({ err, file }, 'zip of a folder'));
      reply
        .type('application/zip')
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent(`${key.split('/').pop()}.zip`)}`,
        );
      return reply.send(zip);
    },
  );

  app.delete(
    '/o/*',
    {
      schema: {
        tags: ['storage'],
        summary: 'Delete a file',
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { key, dir } = pathOf(request);
      if (dir) throw errors.validation('Delete files one by one');
      await storage.remove(key, await callerOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/m/*',
    {
      schema: {
        tags: ['storage'],
        summary: 'Metadata of a file, or of every file in a folder (path ending in /)',
        querystring: ListingQuery,
        response: responses({ 200: Type.Union([Metadata, Type.Array(Metadata)]) }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { key, dir } = pathOf(request);
      const caller = await callerOf(request);
      if (!dir) return metadataOf(storage.revealed(await storage.readable(key, caller, request.query.token)));
      const { limit, marker } = request.query;
      const page = await storage.list(key, caller, { marker, limit: limit === undefined ? undefined : Number(limit) });
      reply.headers(pagingHeaders(request.url, page.nextMarker));
      return page.files.map((f) => metadataOf(storage.revealed(f)));
    },
  );

  app.delete(
    '/m/*',
    {
      schema: {
        tags: ['storage'],
        summary: "Rotate a file's read token (owner or admin); returns it once",
        response: responses({ 200: Metadata }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const { key, dir } = pathOf(request);
      if (dir) throw errors.invalidPath('Tokens belong to files, not folders');
      return metadataOf(await storage.rotateToken(key, await callerOf(request)));
    },
  );
}
