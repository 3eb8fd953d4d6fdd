import { describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, useTestApp } from './helpers/app.js';

describe.each(DATABASES)('health, version and API docs on %s', (db) => {
  const get = useTestApp(db);

  it('answers 204 on /health and /healthz while the database answers', async () => {
    for (const url of ['/health', '/healthz']) {
      const res = await get().request({ url });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    }
  });

  it('tells its name and version', async () => {
    const res = await get().request({ url: '/version' });
    expect(res.json()).toEqual({ name: 'gatehouse', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('serves an OpenAPI 3.1 document describing every auth route, and the docs page', async () => {
    const doc = (await get().request({ url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/auth/register',
      '/auth/login',
      '/auth/logout',
      '/auth/token/refresh',
      '/auth/token/revoke',
      '/auth/change-password',
      '/auth/user',
      '/auth/jwks',
      '/health',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/auth/login'].post.responses['401'].content['application/json'].schema).toBeDefined();
    const docs = await get().request({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('answers unknown routes with the native 404 body', async () => {
    const res = await get().request({ url: '/auth/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No route GET /auth/nothing-here',
      code: 'route-not-found',
    });
  });
});

describe.each(DATABASES)('health when the database is gone on %s', (db) => {
  it('answers 503 with a reason', async () => {
    const t = await buildTestApp(db);
    try {
      await t.app.services.db.kysely.destroy();
      const res = await t.request({ url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database does not answer',
        code: 'database-unavailable',
      });
    } finally {
      await t.close().catch(() => undefined);
    }
  });
});
