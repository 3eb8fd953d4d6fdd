import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/config/load.js';
import { buildTestApp, DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { FUZZ_PNG, injectOptions, requestOf, type OpenApi, type Operation, type World } from './helpers/fuzz-requests.js';

/**
 * Walks /openapi.json and sends every operation generated valid and malformed requests,
 * as nobody, a live user, a deleted user (whose access token is still unexpired) and an
 * admin. Fails on any 5xx, any status the operation does not declare, and any non-JSON
 * answer where JSON is declared. `npm run fuzz:long` runs longer with another seed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const ADMIN_SECRET = 'fuzz-admin-secret-'.padEnd(40, 'x');

const BASE: Env = {
  ADMIN_SECRET,
  ALLOW_USER_SELF_DELETE: 'true',
  RATE_LIMIT_AUTH_PER_IP: '1000000',
  STORAGE_IMAGE_MAX_PIXELS: '1000000',
  STORAGE_MAX_FILE_SIZE: '200000',
};
/** Two configurations between them serve every route (VERIFY_EMAILS switches the email-change routes). */
const CONFIGS = {
  'features on': { ...BASE, MAGIC_LINK_ENABLED: 'true', LOST_PASSWORD_ENABLED: 'true', VERIFY_EMAILS: 'true' },
  'features off': { ...BASE, VERIFY_EMAILS: 'false' },
} satisfies Record<string, Env>;

/** The operations of the document the app serves under `env` (read once, before the suites are declared). */
async function documentOf(env: Env): Promise<OpenApi> {
  const t = await buildTestApp('sqlite', env);
  try {
    return (await t.app.inject({ url: '/openapi.json' })).json();
  } finally {
    await t.close();
  }
}
const DOCS = Object.fromEntries(await Promise.all(Object.entries(CONFIGS).map(async ([name, env]) => [name, await documentOf(env)] as const)));
const operationsOf = (doc: OpenApi): Operation[] =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));

/** What the answer must be: not a 5xx, declared, and JSON wherever JSON is declared. */
function problemsOf(op: Operation, res: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`a ${res.statusCode}`);
  const declared = op.responses[String(res.statusCode)] ?? op.responses.default;
  // A path parameter such as ".." can move the URL off the operation (the URL is normalised): then no route answers.
  const leftTheOperation = res.statusCode === 404 && res.body.includes('"code":"route-not-found"');
  if (!declared && !leftTheOperation) problems.push(`undeclared status ${res.statusCode} (declared: ${Object.keys(op.responses).join(', ')})`);
  const types = Object.keys(declared?.content ?? {});
  if (res.body.length > 0 && types.length > 0 && types.every((t) => t.includes('json'))) {
    const type = String(res.headers['content-type'] ?? '');
    let parses = true;
    try {
      JSON.parse(res.body);
    } catch {
      parses = false;
    }
    if (!type.includes('json') || !parses) problems.push(`a non-JSON answer (${type}) where JSON is declared`);
  }
  return problems;
}

async function createWorld(t: TestApp): Promise<World> {
  const admin = { 'x-admin-secret': ADMIN_SECRET };
  const signIn = async () => {
    const email = uniqueEmail('fuzz');
    const created = await t.app.inject({ method: 'POST', url: '/admin/users', headers: admin, payload: { email, password: PASSWORD } });
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
    if (created.statusCode !== 201 || login.statusCode !== 200) throw new Error(`persona not created: ${created.body} ${login.body}`);
    return { id: created.json().id as string, jwt: login.json().jwt_token as string };
  };
  const live = await signIn();
  const auth = { authorization: `Bearer ${live.jwt}` };
  const token = await t.app.inject({ method: 'POST', url: '/auth/tokens', headers: auth, payload: { name: 'fuzz' } });
  for (const key of [`user/${live.id}/img.png`, 'public/img.png']) await t.app.inject({ method: 'POST', url: `/storage/o/${key}`, headers: { ...auth, 'content-type': 'image/png' }, payload: FUZZ_PNG });
  await t.app.inject({ method: 'POST', url: '/storage/o/public/notes.txt', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'notes' });
  const deleted = await signIn();
  const gone = await t.app.inject({ method: 'POST', url: '/auth/delete', headers: { authorization: `Bearer ${deleted.jwt}` } });
  if (gone.statusCode !== 204) throw new Error(`persona not deleted: ${gone.body}`);
  return { live: { ...live, tokenId: token.json().id }, deleted };
}

const SUITES = DATABASES.flatMap((db) => Object.keys(CONFIGS).map((name) => [db, name as keyof typeof CONFIGS] as const));

describe.each(SUITES)('fuzzing /openapi.json on %s, %s', (db, configName) => {
  const get = useTestApp(db, CONFIGS[configName]);
  const doc = DOCS[configName]!;
  let world: World | undefined;

  it.each(operationsOf(doc).map((op) => [`${op.method} ${op.path}`, op] as const))('%s answers no 5xx, only declared statuses, JSON where declared', async (_name, op) => {
    const t = get();
    world ??= await createWorld(t);
    await fc.assert(
      fc.asyncProperty(requestOf(op, doc), async (recipe) => {
        const w = world!;
        const req = injectOptions(op, recipe, w, ADMIN_SECRET);
        const res = await t.app.inject(req);
        // A request that changed the live user (deleted, signed out, disabled…) gets a fresh one for the next.
        if (op.method !== 'GET' && res.statusCode < 300 && (recipe.persona === 'live' || recipe.path.includes('LIVE_ID')) && !op.path.startsWith('/storage')) world = await createWorld(t);
        const problems = problemsOf(op, res);
        expect(problems, `${req.method ?? op.method} ${req.url} ${JSON.stringify(req.query)} as ${recipe.persona} → ${res.statusCode} ${res.body.slice(0, 300)}`).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, Math.max(30_000, RUNS * 500));
});
