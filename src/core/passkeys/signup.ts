import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import type { ClientInfo } from '../sessions/registry.js';
import type { NewUserInput, User, UserService } from '../users/service.js';
import type { Ceremonies, RegistrationResponseJSON } from './ceremonies.js';
import type { Challenges } from './challenges.js';

/** The account a passkey sign-up creates: everything but a password. */
export type PasskeySignup = Omit<NewUserInput, 'password' | 'id'>;

/**
 * Signing up with a passkey, and no password: the options name the new account's id (the passkey's user
 * handle) and carry the profile in the challenge; the verification creates the account and its passkey.
 * The account is only created once the passkey is verified, so an abandoned ceremony leaves nothing.
 */
export function createPasskeySignup(deps: {
  queries: Queries;
  users: Pick<UserService, 'create' | 'findByLogin'>;
  audit: Audit;
  clock: Clock;
  random: Random;
  challenges: Challenges;
  ceremonies: Ceremonies;
}) {
  return {
    async signupOptions(input: PasskeySignup) {
      // The same answer as a password registration with a taken email (HBP's 409).
      if (await deps.users.findByLogin(input.email)) throw errors.emailInUse();
      const id = deps.random.uuid();
      const binding = { userId: null, sessionId: null, userVerification: true };
      const challenge = await deps.challenges.issue('signup', binding, { id, input: { ...input } });
      const user = { id, email: input.email, displayName: input.displayName ?? null };
      return deps.ceremonies.creationOptions(challenge, user, []);
    },

    /** Verifies the new passkey, then creates the account (active or not, as asked) with it. */
    async signup(response: RegistrationResponseJSON, nickname: string | undefined, client: ClientInfo): Promise<User> {
      const taken = await deps.challenges.take('signup', response?.response?.clientDataJSON);
      const { id, input } = taken.data as { id: string; input: PasskeySignup };
      const created = await deps.ceremonies.register(response, taken.challenge);
      if (!created) throw errors.invalidPasskey();
      if (await deps.queries.passkeys.byCredentialId(created.credentialId)) throw errors.passkeyExists();
      const user = await deps.users.create({ ...input, id });
      const now = deps.clock.now();
      const passkeyId = deps.random.uuid();
      await deps.queries.passkeys.insert({
        ...created,
        id: passkeyId,
        userId: user.id,
        nickname: nickname?.trim() || null,
        createdAt: now,
      });
      await deps.audit.record({
        actor: user.id,
        action: 'passkey.add',
        subject: user.id,
        outcome: 'success',
        ip: client.ip,
        userAgent: client.userAgent,
        detail: { passkey: passkeyId, signup: true },
      });
      return user;
    },
  };
}
