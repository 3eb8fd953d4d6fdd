import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { register, uniqueEmail } from './helpers/auth.js';
import { DOORS, visible } from './helpers/doors.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The real hashing parameters: the work done for an unknown account must match a real verification.
describe.each(DATABASES)('unknown and wrong accounts look alike on every door, on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_ENABLED: 'false',
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_ITERATIONS: '2',
    LOGIN_MAX_FAILURES_PER_HOUR: '10000',
  });

  it.each(DOORS.map((d) => [d.name, d] as const))(
    '%s: same status, same body, and the same hashing time',
    async (_name, door) => {
      const t = get();
      const { user } = await register(t);
      const times = { unknown: [] as number[], wrong: [] as number[] };
      let answers: { unknown?: ReturnType<typeof visible>; wrong?: ReturnType<typeof visible> } = {};
      // Interleaved rounds share whatever else the machine is doing.
      for (let round = 0; round < 7; round++) {
        for (const kind of ['unknown', 'wrong'] as const) {
          const identifier = kind === 'unknown' ? uniqueEmail('nobody') : user.email;
          const started = process.hrtime.bigint();
          const res = await door.login(t, identifier, 'not the password 1');
          times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
          answers = { ...answers, [kind]: visible(res) };
        }
        expect(answers.unknown).toEqual(answers.wrong);
      }
      const ratio = median(times.unknown) / median(times.wrong);
      expect(
        ratio,
        `median unknown ${median(times.unknown).toFixed(1)} ms / wrong ${median(times.wrong).toFixed(1)} ms`,
      ).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.6);
    },
  );
});
