import type { Clock } from '../../src/core/clock.js';

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1, 12)) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  advanceSeconds(s: number): void {
    this.advance(s * 1000);
  }
}
