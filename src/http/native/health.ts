import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';

const Version = Type.Object({ name: Type.String(), version: Type.String() });

/** A load balancer's probe must get an answer quickly, whatever the database does. */
const HEALTH_DEADLINE_MS = 1000;

/** Resolves when the database answers, rejects when it fails or takes longer than the deadline. */
function pingWithin(ping: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([ping(), late]).finally(() => clearTimeout(timer));
}

export function registerHealthRoutes(app: App, s: Services, version: string) {
  const health = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await pingWithin(s.db.ping, HEALTH_DEADLINE_MS);
    } catch (err) {
      request.log.warn({ err }, 'health check failed');
      throw errors.databaseUnavailable('The database does not answer');
    }
    return reply.code(204).send();
  };
  const schema = {
    tags: ['health'],
    summary: '204 when the database answers, 503 otherwise',
    response: responses({ 204: NoContent }, 503),
  };
  app.get('/health', { schema }, health);
  app.get('/healthz', { schema }, health);
  app.get('/version', { schema: { tags: ['health'], response: responses({ 200: Version }) } }, async () => ({
    name: 'gatehouse',
    version,
  }));
}
