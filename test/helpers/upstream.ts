import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/**
 * The app behind a forward-auth proxy, on a free loopback port: answers the path it was asked and the identity
 * headers (`X-Auth-Request-*`) the proxy passed on, as JSON. Answers its port.
 */
export function useUpstream(): () => number {
  let server: Server | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const seen = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-auth-request-')));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, headers: seen }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return () => (server!.address() as { port: number }).port;
}
