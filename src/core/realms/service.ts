import type { Queries } from '../../db/queries/index.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { Actor } from '../sessions/actor.js';

/** Realms group users (privacyIDEA's realms; `default` always exists). */
export function createRealms(deps: { queries: Queries; audit: Audit; clock: Clock }) {
  const { queries, clock } = deps;
  return {
    list: () => queries.users.realms(),
    exists: (name: string) => queries.users.realmExists(name),

    async create(name: string, actor: Actor): Promise<void> {
      try {
        await queries.users.createRealm(name, clock.now());
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.realmExists(`The realm ${name} exists already`, { cause: err });
        throw err;
      }
      await deps.audit.recordBy(actor, 'realm.create', name);
    },
  };
}

export type Realms = ReturnType<typeof createRealms>;
