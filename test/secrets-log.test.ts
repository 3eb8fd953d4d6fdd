import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { DATABASES, buildTestApp } from './helpers/app.js';

describe.each(DATABASES)('the secrets log line on %s', (db) => {
  it('says "generated" on the first start only, and warns on PostgreSQL that instances must share COOKIE_SECRET', async () => {
    const t = await buildTestApp(db);
    try {
      const first = t.logs.join('\n');
      expect(first).toContain('embedded mode: generated JWT_KEY and COOKIE_SECRET into');
      const logs: string[] = [];
      const again = await buildApp(t.config, {
        logStream: new Writable({ write: (c, _e, done) => (logs.push(String(c)), done()) }),
      });
      try {
        const second = logs.join('\n');
        expect(second).not.toContain('generated');
        expect(second).toContain('embedded mode: read JWT_KEY and COOKIE_SECRET from');
        if (db === 'postgres') expect(second).toContain('several instances on one PostgreSQL database must share it');
        else expect(second).not.toContain('several instances');
      } finally {
        await again.close();
      }
    } finally {
      await t.close();
    }
  });

  it('neither generates nor warns when both secrets are configured', async () => {
    const t = await buildTestApp(db, {
      JWT_KEY: 'a-configured-hmac-secret-of-enough-length-01',
      COOKIE_SECRET: 'a-configured-cookie-secret-of-enough-length-01',
    });
    try {
      expect(t.logs.join('\n')).not.toMatch(/generated|read JWT_KEY|several instances/);
    } finally {
      await t.close();
    }
  });
});
