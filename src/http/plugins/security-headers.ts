import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Security headers on every answer, set at the root by helmet. The API's answers are data,
 * never documents: nothing may run, frame them or leak the URL in a Referer. /docs relaxes
 * the policy for its own scripts and styles (see openapi.ts), and storage tightens it with
 * `sandbox` (see storage/serve-as.ts).
 *
 * helmet is built once here, so each request only sets the precomputed headers:
 * @fastify/helmet built it anew on every request (parsing the policy each time, in two
 * async hooks), which cost about 8 % of a small answer.
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }) {
  const setHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over HTTPS; on a plain-HTTP development server it would only confuse.
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // Other sites show stored images with <img>: storage opts back in with cross-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => setHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)));
  // Tokens and users' data must not be kept by any cache; a route that may be cached says so itself.
  // A callback hook, not an async one: it runs on every answer and costs no promise this way.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
