import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

describe.each(DATABASES)('request log switch on %s', (db) => {
  const quiet = useTestApp(db, { LOG_REQUESTS: 'false' });
  const loud = useTestApp(db);

  it('writes no request line with LOG_REQUESTS=false', async () => {
    const t = quiet();
    const { jwt_token } = await register(t);
    t.logs.length = 0;
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).statusCode).toBe(200);
    expect((await t.request({ url: '/version' })).statusCode).toBe(200);
    expect(t.logs.filter((l) => JSON.parse(l).msg === 'request')).toEqual([]);
  });

  it('logs each request with its id, method, status and a URL whose credentials are redacted', async () => {
    const t = loud();
    t.logs.length = 0;
    const res = await t.request({ url: '/auth/token/refresh?refresh_token=not-a-real-token&x=1' });
    expect(res.statusCode).toBe(401);
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      method: 'GET',
      status: 401,
      url: '/auth/token/refresh?refresh_token=[REDACTED]&x=1',
      reqId: expect.any(String),
    });
    expect(t.logs.join('\n')).not.toContain('not-a-real-token');
  });

  it('redacts a refresh token sent under a percent-encoded name, which the router accepts (log-redaction bypass)', async () => {
    const t = loud();
    const { refresh_token } = await register(t);
    t.logs.length = 0;
    const res = await t.request({ url: `/auth/token/refresh?refresh%5Ftoken=${refresh_token}` });
    expect(res.statusCode).toBe(200);
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(lines[0]).toMatchObject({ url: '/auth/token/refresh?refresh%5Ftoken=[REDACTED]' });
    expect(t.logs.join('\n')).not.toContain(refresh_token);
  });
});
