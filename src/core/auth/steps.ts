import type { User, UserService } from '../users/service.js';
import type { LoginAttempt, SecondFactorMethod } from './attempt.js';

/** Two steps of the login pipeline that depend on what the attempt carries: whose account, which second factors. */
export function attemptSteps(deps: {
  users: Pick<UserService, 'get' | 'findByLogin'>;
  passkeys?: { has(userId: string): Promise<boolean> };
}) {
  return {
    /** The account an attempt names: the signed-in user's, the passkey's owner, or the login name's. */
    async userOf(a: LoginAttempt): Promise<User | undefined> {
      if (a.account !== undefined) return deps.users.get(a.account);
      if (a.passkey) return a.passkey.userId === undefined ? undefined : deps.users.get(a.passkey.userId);
      return deps.users.findByLogin(a.identifier);
    },

    /**
     * The second factors to ask after the secret: none after a passkey (its user verification is one) or an
     * app password (it stands for the whole sign-in on its door); else TOTP and the passkey the account has.
     */
    async secondFactorsOf(a: LoginAttempt, user: User, standsIn = false): Promise<SecondFactorMethod[]> {
      if (a.passkey || standsIn || a.secondFactor === 'not-asked') return [];
      const methods: SecondFactorMethod[] = user.mfaEnabled ? ['totp'] : [];
      if (await deps.passkeys?.has(user.id)) methods.push('webauthn');
      return methods;
    },
  };
}
