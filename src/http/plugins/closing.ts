import type { FastifyInstance } from 'fastify';

/**
 * Once the server is closing, every answer still being written carries `Connection: close`,
 * so its socket ends with it instead of idling in keep-alive (72 s) and holding up the stop.
 * Requests arriving after that are refused by Fastify itself (503, also with `Connection: close`).
 * Registered on the root before any route, so it applies to every context.
 */
export function registerClosing(app: FastifyInstance) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A callback hook, not an async one: it runs on every answer and costs no promise this way.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing && request.raw.httpVersionMajor === 1) reply.header('connection', 'close');
    done(null, payload);
  });
}
