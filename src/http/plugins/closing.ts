import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors.js';

/**
 * Once the server is closing, every answer still being written carries `Connection: close`,
 * so its socket ends with it instead of idling in keep-alive (72 s) and holding up the stop.
 * A request that arrives after that (on a connection that was busy when the stop began) is
 * refused with 503 `server-closing` in its route's own envelope: Fastify's own refusal
 * (`return503OnClosing`, turned off in app.ts) has no `code` and ignores dialects.
 * Registered on the root before any route, so it applies to every context.
 */
export function registerClosing(app: FastifyInstance) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback hooks, not async ones: they run on every request and cost no promise this way.
  app.addHook('onRequest', (_request, _reply, done) => done(closing ? errors.serverClosing() : undefined));
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing && request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
    done(null, payload);
  });
}
