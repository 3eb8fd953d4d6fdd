import type { FastifyRequest } from 'fastify';
import type { Actor } from '../core/sessions/actor.js';
import type { ClientInfo } from '../core/sessions/registry.js';

/** Where a request comes from, as the core records it (sessions, audit). */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}

/** The signed-in user of a request as an actor; the admin secret when no user is signed in. */
export function actorOf(request: FastifyRequest): Actor {
  const id = request.principal?.userId ?? null;
  return { kind: id ? 'user' : 'admin-secret', id, ...clientInfo(request) };
}
