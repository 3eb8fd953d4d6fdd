import { execFileSync } from 'node:child_process';
import { createHash, pbkdf2Sync } from 'node:crypto';
import { hashSync as bcrypt } from '@node-rs/bcrypt';
import { describe, expect, it } from 'vitest';
import { canVerifyImported, importedHash, verifyImported } from '../../src/core/passwords/imported.js';
import { createPasswordHasher } from '../../src/core/passwords/hasher.js';

const php = (code: string) => execFileSync('php', ['-r', code], { encoding: 'utf8' });

describe('imported hashes', () => {
  it("checks HumHub's sha512whirlpool against PHP's own hash()", async () => {
    const stored = importedHash(
      'sha512whirlpool',
      'salt-1',
      php(`echo hash('sha512', hash('whirlpool', 'pässwörd' . 'salt-1'));`),
    );
    expect(await verifyImported(stored, 'pässwörd')).toBe(true);
    expect(await verifyImported(stored, 'passwörd')).toBe(false);
  });

  it("checks Rocket.Chat's bcrypt over the SHA-256 hex digest", async () => {
    const stored = importedHash('bcrypt-sha256', bcrypt(createHash('sha256').update('rc pw').digest('hex'), 4));
    expect(await verifyImported(stored, 'rc pw')).toBe(true);
    expect(await verifyImported(stored, 'rc pw ')).toBe(false);
  });

  it('checks pbkdf2 with the iterations and key length the source used', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const value = pbkdf2Sync('kc pw', salt, 1000, 64, 'sha512').toString('base64');
    const stored = importedHash('pbkdf2-sha512', '1000', salt.toString('base64'), value);
    expect(await verifyImported(stored, 'kc pw')).toBe(true);
    expect(await verifyImported(importedHash('pbkdf2-sha512', '999', salt.toString('base64'), value), 'kc pw')).toBe(
      false,
    );
  });

  it('refuses malformed and hostile hashes without throwing (no unbounded work for a stored iteration count)', async () => {
    for (const stored of [
      '$gatehouse-import$pbkdf2-sha256$abc$$',
      '$gatehouse-import$pbkdf2-sha256$99999999999$c2FsdA==$aGFzaA==',
      '$gatehouse-import$sha512whirlpool',
      '$gatehouse-import$bcrypt-sha256$not-bcrypt',
      '$gatehouse-import$peppered$$$pbkdf2-sha512$x$y$z',
      '$gatehouse-import$unsupported$md5$x',
      '$gatehouse-import$',
    ])
      expect(await verifyImported(stored, 'anything')).toBe(false);
    expect(canVerifyImported('$gatehouse-import$unsupported$md5$x')).toBe(false);
  });

  it('asks for the upgrade to argon2id after a success, never after a failure', async () => {
    const hasher = await createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const stored = importedHash(
      'sha512',
      's',
      createHash('sha512')
        .update('pw' + 's')
        .digest('hex'),
    );
    expect(await hasher.verify(stored, 'pw')).toEqual({ ok: true, needsRehash: true });
    expect(await hasher.verify(stored, 'nope')).toEqual({ ok: false, needsRehash: false });
  });
});
