import type { FastifyReply } from 'fastify';
import { HasuraError } from './envelope.js';

/** A route's statuses: its successes, and each listed error status in hasura-auth's error body. */
export function replies<R extends Record<number, unknown>>(ok: R, ...errorStatuses: number[]) {
  const out: Record<number, unknown> = { ...ok };
  for (const status of [...errorStatuses, 503]) out[status] = HasuraError;
  return out;
}

/** hasura-auth's `OKResponse`: the JSON string "OK". */
export const sendOk = (reply: FastifyReply) => reply.type('application/json; charset=utf-8').send('"OK"');
