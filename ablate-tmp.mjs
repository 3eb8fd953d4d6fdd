import Fastify from 'fastify';
import helmet from 'helmet';
import cors from '@fastify/cors';
import cookie from '@fastify/cookie';
import { pino, destination } from 'pino';
import client from 'prom-client';
const V = (process.env.V ?? '').split(',');
const app = Fastify({ ...(V.includes('log') ? { loggerInstance: pino({}, destination('/dev/null')) } : {}), disableRequestLogging: true });
if (V.includes('helmet')) {
  const h = helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } } });
  app.addHook('onRequest', (req, reply, done) => h(req.raw, reply.raw, done));
}
if (V.includes('static')) {
  const hdrs = { 'content-security-policy': "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'", 'cross-origin-opener-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin', 'origin-agent-cluster': '?1', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-dns-prefetch-control': 'off', 'x-download-options': 'noopen', 'x-frame-options': 'DENY', 'x-permitted-cross-domain-policies': 'none', 'x-xss-protection': '0' };
  app.addHook('onRequest', (req, reply, done) => { reply.headers(hdrs); done(); });
}
if (V.includes('cors')) await app.register(cors, { hideOptionsRoute: true, delegator: (r, d) => d(null, { origin: false }) });
if (V.includes('cookie')) await app.register(cookie, { secret: 'x'.repeat(32) });
if (V.includes('reqlog')) { const l = pino({}, destination({ dest: '/dev/null', sync: false, minLength: 4096 })); app.addHook('onResponse', (req, reply, done) => { l.info({ reqId: req.id, method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime, ip: req.ip }, 'request'); done(); }); }
if (V.includes('metrics')) { const c = new client.Counter({ name: 'a', help: 'a', labelNames: ['method','route','status'] }); const h = new client.Histogram({ name: 'b', help: 'b', labelNames: ['method','route','status'] });
  app.addHook('onResponse', async (req, reply) => { const labels = { method: req.method, route: req.routeOptions.url, status: String(reply.statusCode) }; c.inc(labels); h.observe(labels, reply.elapsedTime / 1000); }); }
if (V.includes('hooks3')) { for (let i = 0; i < 3; i++) app.addHook('onSend', (req, reply, p, done) => done(null, p)); }
app.get('/', { schema: V.includes('schema') ? { response: { 200: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } } } } } : undefined }, async () => ({ name: 'gatehouse', version: '0.1.0' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('message', (m) => { if (m === 'cpu') process.send(process.cpuUsage()); });
process.on('SIGTERM', () => process.exit(0));
