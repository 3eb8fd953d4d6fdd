import { buildTestApp } from './helpers/app.js';
const t = await buildTestApp('sqlite', {});
const reg = await t.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'a@example.com', password: 'a sturdy passphrase 42' } });
const jwt = reg.json().jwt_token;
for (const type of ['multipart/form-data', 'multipart/form-data; boundary=x', 'multipart/mixed']) {
  const r = await t.app.inject({ method: 'POST', url: '/storage/o/public/x.txt', headers: { 'content-type': type }, payload: '--x\r\n' });
  const r2 = await t.app.inject({ method: 'POST', url: '/storage/o/public/x.txt', headers: { 'content-type': type, authorization: `Bearer ${jwt}` }, payload: '--x\r\n' });
  console.log(type, r.statusCode, r.body, r2.statusCode, r2.body);
}
console.log(t.logs.filter((l) => l.includes('"level":50')).map((l) => JSON.parse(l).err?.message));
await t.close();
