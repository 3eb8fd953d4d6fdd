import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';

/** How long a failed attempt counts: older ones are dropped by housekeeping. */
export const LOGIN_FAILURE_WINDOW_MS = 3_600_000;
const HOUR_MS = LOGIN_FAILURE_WINDOW_MS;
/** Longest an attempt waits for logins in flight on this instance to settle before it is refused. */
const WAIT_MS = 10_000;

export interface LoginAttempt {
  succeed(): Promise<void>;
  /** Leaves the attempt counted as a failure. */
  fail(): void;
}

/**
 * Per key on this instance: attempts with a record (admitted, or being counted), attempts waiting, decisions in turn.
 */
interface KeyState {
  admitted: number;
  /** Recorded by a first, concurrent try and not yet admitted or removed. */
  pending: number;
  /** First tries ever started (only grows): tells which records a count may have seen. */
  started: number;
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
 * A record of a login still in flight is not a failure yet. A first try is counted at once,
 * concurrently with others; when the count is over the limit only because of logins in flight
 * on this instance, the attempt waits for one of them to settle and tries again, in turn with
 * the other waiting attempts, instead of answering 429 to a correct password (a hundred
 * concurrent correct logins to one account all get through). Logins in flight on other
 * instances still count as failures until they settle: the limit errs on the safe side.
 */
export function createLoginThrottle(opts: { queries: Queries; clock: Clock; maxPerHour: number }) {
  const { queries, clock } = opts;
  const keys = new Map<string, KeyState>();
  const since = (now: Date) => new Date(now.getTime() - HOUR_MS);

  /** Something of ours changed (a record went away or settled): one waiter looks again; everyone when none is left. */
  function changed(state: KeyState) {
    if (state.admitted + state.pending > 0) state.waiters.shift()?.();
    else for (const wake of state.waiters.splice(0)) wake();
  }

  function release(key: string, state: KeyState) {
    if (--state.refs === 0 && keys.get(key) === state) keys.delete(key);
  }

  function attempt(key: string, state: KeyState, id: number): LoginAttempt {
    state.admitted++;
    state.refs++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      state.admitted--;
      changed(state);
      release(key, state);
    };
    return { succeed: () => queries.loginFailures.remove(id).finally(settle), fail: settle };
  }

  /** Resolves at the next change, or at `deadline` (real time: it bounds a wait, not a record). */
  function nextChange(state: KeyState, deadline: number): Promise<void> {
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

  /** A try after the first, in turn: admitted, wait, or refused. */
  async function retry(key: string, state: KeyState, deadline: number) {
    const now = clock.now();
    const ours = state.admitted + state.pending;
    const startedBefore = state.started;
    const { id, count, oldest } = await queries.loginFailures.addAndCount(key, now, since(now));
    if (count <= opts.maxPerHour) return attempt(key, state, id);
    await queries.loginFailures.remove(id);
    // Records of ours the count may have seen: those there before it, and first tries started during it.
    const oursSeen = ours + (state.started - startedBefore);
    if (count - 1 - oursSeen < opts.maxPerHour && Date.now() < deadline) {
      // Registered in the same step as the decision, so that no change is missed.
      if (state.admitted + state.pending > 0) return { wait: nextChange(state, deadline) };
      if (oursSeen > 0) return { wait: Promise.resolve() }; // they all went while we counted
    }
    const freesAt = (oldest ?? now).getTime() + HOUR_MS;
    throw errors.rateLimited(
      (freesAt - now.getTime()) / 1000,
      'Too many failed logins for this account, try again later',
    );
  }

  return {
    async begin(key: string): Promise<LoginAttempt> {
      const deadline = Date.now() + WAIT_MS;
      let state = keys.get(key);
      if (!state) {
        state = { admitted: 0, pending: 0, started: 0, waiters: [], turn: Promise.resolve(), refs: 0 };
        keys.set(key, state);
      }
      state.refs++;
      try {
        const now = clock.now();
        state.pending++;
        state.started++;
        const first = await queries.loginFailures.addAndCount(key, now, since(now)).catch((err) => {
          state.pending--;
          changed(state);
          throw err;
        });
        if (first.count <= opts.maxPerHour) {
          state.pending--;
          return attempt(key, state, first.id);
        }
        await queries.loginFailures.remove(first.id).finally(() => {
          state.pending--;
          changed(state);
        });
        for (;;) {
          const decision = state.turn.then(() => retry(key, state, deadline));
          state.turn = decision.catch(() => undefined);
          const outcome = await decision;
          if (!('wait' in outcome)) return outcome;
          await outcome.wait;
        }
      } finally {
        release(key, state);
      }
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
