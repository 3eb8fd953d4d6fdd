import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors.js';
import { safeEqual } from '../../core/hash.js';
import type { AppServices } from '../../services.js';
import { bearerToken } from '../plugins/auth-guard.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

/**
 * Times every answered request by its route template (never the raw URL: bounded label values); the request counter is
 * read from this histogram.
 */
export function registerRequestMetrics(app: FastifyInstance, s: AppServices): void {
  const { httpDuration, rateLimitRefusals } = s.metrics;
  // A callback hook, not an async one: it runs after every answer and costs no promise this way.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      httpDuration.observe(labels, reply.elapsedTime / 1000);
      if (reply.statusCode === 429) rateLimitRefusals.inc({ route });
    }
    done();
  });
}

/** The answer is Prometheus' text exposition format, not JSON; OpenAPI says so with its media type. */
const Exposition = Type.Unsafe<string>({
  description: 'Prometheus text exposition format',
  content: { 'text/plain; version=0.0.4': { schema: Type.String() } },
});

/** GET /metrics in the Prometheus text format; behind `Bearer METRICS_TOKEN` when that is set. */
export function registerMetricsRoute(app: App, s: AppServices): void {
  const token = s.config.metrics.token;
  s.metrics.collectProcessMetrics();
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (Bearer METRICS_TOKEN when set)',
        response: responses({ 200: Exposition }, 401),
      },
    },
    async (request, reply) => {
      if (token) {
        const given = bearerToken(request);
        if (!given || !safeEqual(given, token)) throw errors.unauthenticated();
      }
      reply.type(s.metrics.registry.contentType);
      return s.metrics.registry.metrics();
    },
  );
}
