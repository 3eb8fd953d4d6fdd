import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import { OIDC_PREFIX } from '../../core/oidc/provider.js';
import type { InteractionDetails } from '../../core/oidc/types.js';
import type { Services } from '../../services.js';
import { refuseForeignPost, sendPage, type Signed } from './sign-in.js';
import { ssoCookie } from './sso-cookie.js';
import { messagePage } from './views.js';

export type Uid = { Params: { uid: string } };
type Request = FastifyRequest<Uid>;
type Handler = (request: Request, reply: FastifyReply, details: InteractionDetails) => Promise<unknown>;

/** Where an interaction goes on once its sign-in finished on the page. */
export type SignedIn = (
  request: FastifyRequest,
  reply: FastifyReply,
  details: InteractionDetails,
  done: Signed,
) => Promise<string>;
/**
 * The check of a JSON post of a sign-in's second step (the sign-in it belongs to is still on), refusing with an
 * error; it answers where the browser goes once the step has signed it in.
 */
export type StepGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<(done: Signed) => Promise<string>>;

/** oidc-provider's errors when the interaction's cookie is missing, expired or of another interaction. */
const isProviderError = (err: unknown): err is { statusCode: number } =>
  typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';

/** The path of an interaction's pages. */
export const interactionPath = (uid: string) => `${OIDC_PREFIX}/interaction/${encodeURIComponent(uid)}`;

export const seeOther = (reply: FastifyReply, to: string) => reply.code(303).header('location', to).send();

/**
 * The preamble of every step of the provider's sign-in: the interaction of this request's cookie (the one the path
 * names, else the sign-in has expired) and, for a post, its origin (CSRF). `view` and `step` answer a refusal with a
 * page; `guard` (the passkey step's script) with the error catalogue's answer.
 */
export function createSteps(s: Services) {
  const ix = s.oidc.interactions;

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

    /**
     * A script's JSON post of the `prompt` step (the passkey's): refusals are errors (`sign-in-expired`), not
     * pages (its origin is checked before, by `passkeyStepRoutes`); a finished sign-in goes on with the interaction.
     */
    guard:
      (prompt: string, signedIn: SignedIn): StepGuard =>
      async (request, reply) => {
        const found = await details(request as Request, reply);
        if (!found || found.prompt.name !== prompt) throw errors.signInExpired();
        return (done) => signedIn(request, reply, found, done);
      },
  };
}
