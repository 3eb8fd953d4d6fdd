import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { OIDC_PREFIX } from '../../core/oidc/provider.js';
import type { InteractionDetails } from '../../core/oidc/types.js';
import type { Services } from '../../services.js';
import { cookieWriteAllowed } from '../plugins/cookie-origin.js';
import { refuseForeignPost, sendPage } from './sign-in.js';
import { ssoCookie } from './sso-cookie.js';
import { messagePage } from './views.js';

export type Uid = { Params: { uid: string } };
type Request = FastifyRequest<Uid>;
type Handler = (request: Request, reply: FastifyReply, details: InteractionDetails) => Promise<unknown>;

/** oidc-provider's errors when the interaction's cookie is missing, expired or of another interaction. */
const isProviderError = (err: unknown): err is { statusCode: number } =>
  typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';

/** The path of an interaction's pages. */
export const interactionPath = (uid: string) => `${OIDC_PREFIX}/interaction/${encodeURIComponent(uid)}`;

export const seeOther = (reply: FastifyReply, to: string) => reply.code(303).header('location', to).send();

/**
 * The preamble of every step of the provider's sign-in: the interaction of this request's cookie (the one the path
 * names, else the sign-in has expired) and, for a post, its origin (CSRF). `page` answers a refusal with a page;
 * `json` (the passkey step's script) with the error catalogue's answer.
 */
export function createSteps(s: Services) {
  const ix = s.oidc.interactions;
  const origin = [new URL(s.config.server.url).origin];

  async function details(request: Request, reply: FastifyReply): Promise<InteractionDetails | undefined> {
    try {
      const found = await ix.details(request.raw, reply.raw, ssoCookie(request));
      if (found.uid === request.params.uid) return found;
    } catch (err) {
      if (!isProviderError(err)) throw err;
    }
    return undefined;
  }

  const expired = (reply: FastifyReply) =>
    sendPage(
      reply,
      400,
      messagePage('Sign-in expired', 'This sign-in has expired. Go back to the application and start again.'),
    );

  return {
    /** A page: GET shows the interaction's prompt, whatever it is. */
    view: (handler: Handler) => async (request: Request, reply: FastifyReply) => {
      const found = await details(request, reply);
      return found ? handler(request, reply, found) : expired(reply);
    },

    /** A form post of the `prompt` step (any prompt when absent); another prompt's post goes back to the page. */
    step: (prompt: string | undefined, handler: Handler) => async (request: Request, reply: FastifyReply) => {
      if (refuseForeignPost(request, reply, s)) return reply;
      const found = await details(request, reply);
      if (!found) return expired(reply);
      if (prompt && found.prompt.name !== prompt) return seeOther(reply, interactionPath(found.uid));
      return handler(request, reply, found);
    },

    /** A script's JSON post of the `prompt` step: refusals are errors (403, `sign-in-expired`), not pages. */
    json: (prompt: string, handler: Handler) => async (request: Request, reply: FastifyReply) => {
      if (!cookieWriteAllowed(request, origin)) throw errors.forbidden('This request was sent from another site');
      const found = await details(request, reply);
      if (!found || found.prompt.name !== prompt) throw errors.signInExpired();
      return handler(request, reply, found);
    },
  };
}
