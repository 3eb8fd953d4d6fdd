import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FileRow } from '../../../db/queries/files.js';
import type { ByteRange } from '../../../storage/backends/backend.js';
import { serveAs } from '../../../storage/serve-as.js';
import { withCurrentRow } from '../../../storage/object-gone.js';
import type { StorageService } from '../../../storage/service.js';

/** `bytes=a-b`, `bytes=a-` or `bytes=-n`; a list of ranges is answered whole (RFC 9110 allows it). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const [start, end] =
    m[1] === ''
      ? [Math.max(0, size - Number(m[2])), size - 1]
      : [Number(m[1]), m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

function notModified(request: FastifyRequest, file: FileRow): boolean {
  const inm = request.headers['if-none-match'];
  if (inm) return inm.split(',').some((t) => t.trim() === file.etag || t.trim() === '*');
  const ims = request.headers['if-modified-since'];
  return ims !== undefined && Math.floor(file.updatedAt.getTime() / 1000) <= Math.floor(new Date(ims).getTime() / 1000);
}

/**
 * Streams a file with the headers a browser needs to cache it safely and never run it
 * (the storage scope adds its CSP sandbox and nosniff to every answer). When the object is
 * missing, `reread` gives the row as the database has it now, and that version is served: the
 * row may have come from this instance's metadata cache after another instance replaced it.
 */
export function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: StorageService,
  first: FileRow,
  reread: () => Promise<FileRow>,
) {
  return withCurrentRow(first, reread, async (file) => {
    const name = file.key.split('/').pop()!;
    const as = serveAs(file.contentType);
    reply.headers({
      etag: file.etag,
      'last-modified': file.updatedAt.toUTCString(),
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
      'content-disposition': `${as.disposition}; filename*=UTF-8''${encodeURIComponent(name)}`,
    });
    if (notModified(request, file)) return reply.code(304).send();
    const range = parseRange(request.headers.range, file.size);
    if (range === 'unsatisfiable') {
      const refusal = { statusCode: 416, error: 'Range Not Satisfiable', message: 'The range is outside the file' };
      reply.code(416).header('content-range', `bytes */${file.size}`).type('application/json');
      return reply.send({ ...refusal, code: 'range-not-satisfiable' });
    }
    const body = await storage.open(file, range);
    reply.type(as.contentType);
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
      return reply.header('content-length', range.end - range.start + 1).send(body);
    }
    return reply.header('content-length', file.size).send(body);
  });
}
