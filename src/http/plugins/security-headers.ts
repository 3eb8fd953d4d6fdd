import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers on every answer, set at the root by helmet. The API's answers are data,
 * never documents: nothing may run, frame them or leak the URL in a Referer. /docs relaxes
 * the policy for its own scripts and styles (see openapi.ts), and storage tightens it with
 * `sandbox` (see storage/serve-as.ts).
 *
 * helmet decides the headers once, at start: none of them depends on the request, so each
 * request copies the precomputed set into its reply. Running helmet's eleven middlewares per
 * request (or @fastify/helmet, which also rebuilt helmet each time) cost a tenth of a small answer.
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }) {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over HTTPS; on a plain-HTTP development server it would only confuse.
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // Other sites show stored images with <img>: storage opts back in with cross-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  // Callback hooks, not async ones: they run on every answer and cost no promise this way.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  // Tokens and users' data must not be kept by any cache; a route that may be cached says so itself.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

/** The headers helmet sets with these options, read by running it once against a recording response. */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}
