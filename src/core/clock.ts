import { randomBytes, randomUUID } from 'node:crypto';

/** Time and randomness are injected so that tests control them without sleeping. */
export interface Clock {
  now(): Date;
}

export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const systemClock: Clock = { now: () => new Date() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n), uuid: () => randomUUID() };
