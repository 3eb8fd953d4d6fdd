import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';

const HOUR_MS = 3_600_000;
/** Longest an attempt waits for logins in flight on this instance to settle before it is refused. */
const WAIT_MS = 10_000;

export interface LoginAttempt {
  succeed(): Promise<void>;
  /** Leaves the attempt counted as a failure. */
  fail(): void;
}

/** Per key on this instance: attempts admitted and not settled, attempts waiting on them, decisions in turn. */
interface KeyState {
  admitted: number;
  waiters: (() => void)[];
  turn: Promise<unknown>;
  /** begin() calls under way plus admitted attempts: the entry is dropped at zero. */
  refs: number;
}

/**
 * At most `maxPerHour` failed logins per key in any sliding hour. The attempt is
 * recorded before the password is checked, so concurrent guesses cannot overshoot
 * the limit; a success removes its record. Counts live in the database so that every
 * instance sees the same numbers.
 *
 * A record of a login still in flight is not a failure yet: when the budget is taken only
 * because of logins in flight on this instance, the attempt waits for one of them to settle
 * and looks again, instead of answering 429 to a correct password (a hundred concurrent
 * correct logins to one account all get through). Decisions for one key are taken in turn on
 * each instance, so that they see each other's records. Logins in flight on other instances
 * still count as failures until they settle: the limit errs on the safe side.
 */
export function createLoginThrottle(opts: { queries: Queries; clock: Clock; maxPerHour: number }) {
  const { queries, clock } = opts;
  const keys = new Map<string, KeyState>();

  function release(key: string, state: KeyState) {
    if (--state.refs === 0 && keys.get(key) === state) keys.delete(key);
  }

  function settler(key: string, state: KeyState): () => void {
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      state.admitted--;
      // One settlement frees at most one slot; the last one wakes everyone (nothing else will).
      if (state.admitted > 0) state.waiters.shift()?.();
      else for (const wake of state.waiters.splice(0)) wake();
      release(key, state);
    };
  }

  /** Resolves when an admitted attempt settles, or at `deadline` (real time: it bounds a wait, not a record). */
  function settlement(state: KeyState, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        const i = state.waiters.indexOf(wake);
        if (i >= 0) state.waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
      state.waiters.push(wake);
    });
  }

  /** Records the attempt and decides: admitted (the record stays until settled), wait, or refused. */
  async function decide(key: string, state: KeyState, deadline: number) {
    const now = clock.now();
    // Records of ours that the count may include: those admitted before it (none can be admitted during it).
    const ours = state.admitted;
    const { id, count, oldest } = await queries.loginFailures.addAndCount(key, now, new Date(now.getTime() - HOUR_MS));
    if (count <= opts.maxPerHour) {
      state.admitted++;
      state.refs++;
      return { id };
    }
    await queries.loginFailures.remove(id);
    // Records that are neither this attempt's nor of logins in flight here: failures (or remote attempts).
    const failures = count - 1 - ours;
    if (failures < opts.maxPerHour && Date.now() < deadline) {
      // The waiter is registered now, in the same step as the decision, so that no settlement is missed;
      // when ours all settled while we counted, look again at once.
      if (state.admitted > 0) return { wait: settlement(state, deadline) };
      if (ours > 0) return { wait: Promise.resolve() };
    }
    const freesAt = (oldest ?? now).getTime() + HOUR_MS;
    throw errors.rateLimited((freesAt - now.getTime()) / 1000, 'Too many failed logins for this account, try again later');
  }

  return {
    async begin(key: string): Promise<LoginAttempt> {
      const deadline = Date.now() + WAIT_MS;
      let state = keys.get(key);
      if (!state) keys.set(key, (state = { admitted: 0, waiters: [], turn: Promise.resolve(), refs: 0 }));
      state.refs++;
      try {
        for (;;) {
          const decision = state.turn.then(() => decide(key, state, deadline));
          state.turn = decision.catch(() => undefined);
          const outcome = await decision;
          if ('wait' in outcome) {
            await outcome.wait;
            continue;
          }
          const settle = settler(key, state);
          return { succeed: () => queries.loginFailures.remove(outcome.id).finally(settle), fail: settle };
        }
      } finally {
        release(key, state);
      }
    },

    prune: () => queries.loginFailures.prune(new Date(clock.now().getTime() - HOUR_MS)),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
