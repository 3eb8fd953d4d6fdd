// node rot-tmp.mjs <url> <seconds>: 16 chains of refresh rotations against a running server
import autocannon from 'autocannon';
const [url, seconds = '6'] = process.argv.slice(2);
const json = { 'content-type': 'application/json' };
const tokens = [];
for (let i = 0; i < 16; i++) {
  const body = JSON.stringify({ email: `rot${Date.now()}-${i}@b.example`, password: 'a sturdy passphrase 42' });
  await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body });
  tokens.push((await (await fetch(`${url}/auth/login`, { method: 'POST', headers: json, body })).json()).refresh_token);
}
let next = 0;
const r = await autocannon({ url, duration: Number(seconds), connections: 16, requests: [{ method: 'GET', setupRequest: (req, ctx) => { ctx.token ??= tokens[next++ % 16]; return { ...req, path: `/auth/token/refresh?refresh_token=${ctx.token}` }; }, onResponse: (status, body, ctx) => { if (status === 200) ctx.token = JSON.parse(body).refresh_token; } }] });
console.log('rps', Math.round(r.requests.total / r.duration), 'non2xx', r.non2xx);
