import { IncomingMessage } from 'node:http';
import { sha256 } from '../hash.js';
import type { OidcKoaCtx } from './types.js';

/** The registration routes that answer a client's stored metadata (RFC 7592's read and update). */
const CLIENT_RECORD = new Set(['client', 'client_update']);

/** oidc-provider's own body limit. */
const BODY_LIMIT = 56 * 1024;

/**
 * RFC 7592 with a secret kept only as its SHA-256: an update may send the client's secret back, which oidc-provider
 * compares with the stored one, so the request carries its hash instead (a wrong secret still does not match); a
 * read or update never answers the stored hash as if it were the secret (a client saving it could no longer sign
 * in). A secret oidc-provider makes at an update (a public client made confidential) is answered, once.
 * `registrations`: the path prefix of a client's registration (`/oidc/reg/`).
 */
export function secretOnlyAsItsHash(registrations: string) {
  return async (ctx: OidcKoaCtx, next: () => Promise<void>): Promise<void> => {
    if (ctx.method === 'PUT' && ctx.path.startsWith(registrations) && ctx.is('application/json'))
      ctx.req = ctx.request.req = await withHashedSecret(ctx.req);
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (CLIENT_RECORD.has(String(ctx.oidc?.route)) && body && body.client_secret === ctx.oidc?.client?.clientSecret)
      delete body.client_secret;
  };
}

/** A copy of a JSON request whose `client_secret` is replaced by its hash (the request as it was otherwise). */
async function withHashedSecret(req: IncomingMessage): Promise<IncomingMessage> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Koa answers it (an error before oidc-provider's routes): 413 with this message.
    if (size > BODY_LIMIT)
      throw Object.assign(new Error('The request body is too large'), { status: 413, expose: true });
    chunks.push(chunk);
  }
  let body = Buffer.concat(chunks);
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>).client_secret === 'string') {
      const record = parsed as Record<string, unknown>;
      body = Buffer.from(JSON.stringify({ ...record, client_secret: sha256(String(record.client_secret)) }));
    }
  } catch {
    // Not JSON: oidc-provider refuses it as it would have.
  }
  const copy = new IncomingMessage(req.socket);
  Object.assign(copy, {
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    headers: { ...req.headers, 'content-length': String(body.length) },
    // Read whole: destroying an incomplete message would close the connection its answer goes out on.
    complete: true,
  });
  copy.push(body);
  copy.push(null);
  return copy;
}
