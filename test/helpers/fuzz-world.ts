import type { InjectOptions } from 'fastify';
import { PASSWORD, uniqueEmail } from './auth.js';
import { FUZZ_PNG, type Credentials, type World } from './fuzz-requests.js';

/** Sends one request: app.inject() in the suite, real HTTP in the memory experiment. */
// biome-ignore lint/suspicious/noExplicitAny: answers of several shapes, read field by field
export type Send = (opts: InjectOptions) => Promise<{ statusCode: number; body: string; json(): any }>;

/** Signs a new user in on every door: the HBP JWT and each dialect's credential (a dummy where a fuzzed admin call closed the door). */
async function signIn(send: Send, adminSecret: string): Promise<Credentials> {
  const email = uniqueEmail('fuzz');
  const post = async (url: string, payload: object) => {
    const res = await send({ method: 'POST', url, payload });
    return res.statusCode === 200 ? res.json() : undefined;
  };
  const created = await send({
    method: 'POST',
    url: '/admin/users',
    headers: { 'x-admin-secret': adminSecret },
    payload: { email, password: PASSWORD },
  });
  const hbp = await post('/auth/login', { email, password: PASSWORD });
  if (created.statusCode !== 201 || !hbp)
    throw new Error(`persona not signed in: ${created.statusCode} ${created.body.slice(0, 200)}`);
  const [humhub, rocketchat, privacyidea, datarhei] = [
    await post('/api/v1/auth/login', { username: email, password: PASSWORD }),
    await post('/api/v1/login', { user: email, password: PASSWORD }),
    await post('/auth', { username: email, password: PASSWORD }),
    await post('/api/login', { username: email, password: PASSWORD }),
  ];
  return {
    id: created.json().id,
    email,
    jwt: hbp.jwt_token,
    humhub: humhub?.auth_token ?? 'refused',
    rocketchat: {
      userId: rocketchat?.data.userId ?? created.json().id,
      authToken: rocketchat?.data.authToken ?? 'refused',
    },
    privacyidea: privacyidea?.result.value.token ?? 'refused',
    datarhei: { access: datarhei?.access_token ?? 'refused', refresh: datarhei?.refresh_token ?? 'refused' },
  };
}

/** The live user (with a bearer token and stored files) and a deleted one, signed in on every door before they were deleted. */
export async function createWorld(send: Send, adminSecret: string): Promise<World> {
  const live = await signIn(send, adminSecret);
  const auth = { authorization: `Bearer ${live.jwt}` };
  const token = await send({ method: 'POST', url: '/auth/tokens', headers: auth, payload: { name: 'fuzz' } });
  for (const key of [`user/${live.id}/img.png`, 'public/img.png'])
    await send({
      method: 'POST',
      url: `/storage/o/${key}`,
      headers: { ...auth, 'content-type': 'image/png' },
      payload: FUZZ_PNG,
    });
  await send({
    method: 'POST',
    url: '/storage/o/public/notes.txt',
    headers: { ...auth, 'content-type': 'text/plain' },
    payload: 'notes',
  });
  const deleted = await signIn(send, adminSecret);
  const gone = await send({ method: 'POST', url: '/auth/delete', headers: { authorization: `Bearer ${deleted.jwt}` } });
  if (gone.statusCode !== 204) throw new Error(`persona not deleted: ${gone.body}`);
  return { live: { ...live, tokenId: token.json().id }, deleted };
}
