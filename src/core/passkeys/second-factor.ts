import type { Queries } from '../../db/queries/index.js';
import type { PasskeyProof } from '../auth/pipeline.js';
import { MFA_TICKET_ATTEMPTS } from '../auth/second-step.js';
import { sha256 } from '../hash.js';
import type { Tickets } from '../tickets/service.js';
import type { AuthenticationResponseJSON, Ceremonies } from './ceremonies.js';
import type { Ceremony, Challenges } from './challenges.js';

export interface SecondFactorDeps {
  queries: Queries;
  tickets: Pick<Tickets, 'attempt'>;
  challenges: Challenges;
  ceremonies: Ceremonies;
  assertion(
    response: AuthenticationResponseJSON,
    ceremony: Ceremony,
    bound: { userId?: string | null; sessionId?: string | null },
  ): Promise<PasskeyProof>;
}

/**
 * The passkey as the second step of a password login, like a TOTP code: the MFA ticket of the first step
 * names the user and the challenge is bound to that ticket. The step itself (tries per ticket, the user's
 * MFA failures, account state, audit) is the auth service's `completeSecondStep`, as for a code.
 */
export function createSecondFactor(deps: SecondFactorDeps) {
  return {
    /** Options for the second step: the ticket holder's passkeys (each call counts as one of the ticket's tries). */
    async secondFactorOptions(ticket: string) {
      const { userId } = await deps.tickets.attempt('mfa', ticket, MFA_TICKET_ATTEMPTS);
      const binding = { userId, sessionId: sha256(ticket), userVerification: false };
      const challenge = await deps.challenges.issue('second-factor', binding);
      return deps.ceremonies.requestOptions(challenge, await deps.queries.passkeys.listOf(userId), false);
    },

    /** The proof of a second step's assertion: it takes the challenge bound to this ticket and user. */
    secondStepProof: (response: AuthenticationResponseJSON, userId: string, ticket: string) =>
      deps.assertion(response, 'second-factor', { userId, sessionId: sha256(ticket) }),
  };
}
