import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer, set once at the root by @fastify/helmet. The API's
 * answers are data, never documents: nothing may run, frame them or leak the URL in a
 * Referer. /docs relaxes the policy for its own scripts and styles (see openapi.ts), and
 * storage tightens it with `sandbox` (see storage/serve-as.ts).
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }) {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over HTTPS; on a plain-HTTP development server it would only confuse.
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // Other sites show stored images with <img>: storage opts back in with cross-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  // Tokens and users' data must not be kept by any cache; a route that may be cached says so itself.
  // A callback hook, not an async one: it runs on every answer and costs no promise this way.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
