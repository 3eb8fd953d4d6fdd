import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const BOUNDARY = 'gatehouse-boundary';
const multipart = (name = 'a.txt') =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
  `Content-Type: text/plain\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`;

describe.each(DATABASES)('errors that say what would work, on %s', (db) => {
  const getT = useTestApp(db, { RATE_LIMIT_ENABLED: 'false' });
  const upload = (url: string, headers: Record<string, string> = {}) =>
    getT().request({
      method: 'POST',
      url,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
      payload: multipart(),
    });

  it('a 415 names the type sent and the types the route reads (bug: "Unsupported Content-Type" alone)', async () => {
    const res = await getT().request({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'unsupported-media-type',
      message: 'Unsupported Content-Type text/plain: send application/json',
    });
    // A dialect that also reads forms says so, in its own envelope.
    const humhub = await getT().request({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/xml' },
      payload: '<a/>',
    });
    expect(humhub.statusCode).toBe(415);
    expect(humhub.body).toContain(
      'Unsupported Content-Type text/xml: send application/json or application/x-www-form-urlencoded',
    );
  });

  it('an upload outside the allowed folders is a 403 that names them (bug: "404 No such file")', async () => {
    const session = await register(getT());
    const res = await upload('/storage/o/photos/a.txt', bearer(session.jwt_token!));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'upload-not-allowed',
      message: `You may not upload to photos/: you may upload to user/${session.user.id}/, public/`,
    });
    // The same answer whether or not a file exists there: nothing is revealed.
    expect((await upload(`/storage/o/user/${session.user.id}/mine.txt`, bearer(session.jwt_token!))).statusCode).toBe(
      200,
    );
    const other = await register(getT());
    const theirs = await upload(`/storage/o/user/${session.user.id}/mine.txt`, bearer(other.jwt_token!));
    const nobody = await upload(`/storage/o/user/${session.user.id}/none.txt`, bearer(other.jwt_token!));
    expect([theirs.statusCode, theirs.json().message]).toEqual([
      nobody.statusCode,
      nobody.json().message.replace('none', 'mine'),
    ]);
  });

  it('an anonymous upload to public/ says that signing in would allow it (bug: "not allowed" alone)', async () => {
    const res = await upload('/storage/o/public/a.txt');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      code: 'sign-in-required',
      message: 'Sign in to upload to public/: signed-in users may upload to user/<your id>/, public/',
    });
  });

  it("DELETE /storage/m/<missing file> in the caller's own folder is a 404 (bug: 403)", async () => {
    const session = await register(getT());
    const res = await getT().request({
      method: 'DELETE',
      url: `/storage/m/user/${session.user.id}/missing.txt`,
      headers: bearer(session.jwt_token!),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not-found');
    // Another user's folder: 404 too, as before, whether or not the file exists.
    const other = await register(getT());
    const elsewhere = await getT().request({
      method: 'DELETE',
      url: `/storage/m/user/${session.user.id}/missing.txt`,
      headers: bearer(other.jwt_token!),
    });
    expect(elsewhere.statusCode).toBe(404);
  });
});
