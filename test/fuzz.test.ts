import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/config/load.js';
import { buildTestApp, DATABASES, declaredStatuses, useTestApp } from './helpers/app.js';
import {
  DIALECT_TAGS,
  injectOptions,
  requestOf,
  type OpenApi,
  type Operation,
  type Recipe,
  type World,
} from './helpers/fuzz-requests.js';
import { asAdmin, directoryLogins, FEDERATION_ADMIN_ROUTE, realmOf } from './helpers/fuzz-admin.js';
import { createWorld, type Send } from './helpers/fuzz-world.js';

/**
 * Walks /openapi.json and sends every operation generated valid and malformed requests,
 * as nobody, a live user, a deleted user (whose credentials are still unexpired), an admin,
 * and the live user with another dialect's credential. On a dialect's route "signed in" is
 * that dialect's own credential (HumHub JWT, Rocket.Chat X-Auth-Token, privacyIDEA JWT,
 * datarhei access or refresh token), and login bodies carry the live or the deleted account.
 * Fails on any 5xx, any status the operation does not declare, and any answer that is not
 * JSON of the declared shape where JSON is declared. `npm run fuzz:long` runs longer with another seed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const ADMIN_SECRET = 'fuzz-admin-secret-'.padEnd(40, 'x');

const BASE: Env = {
  ADMIN_SECRET,
  ALLOW_USER_SELF_DELETE: 'true',
  RATE_LIMIT_AUTH_PER_IP: '1000000',
  RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
  ROCKETCHAT_LOGIN_PER_IP: '1000000',
  LOGIN_MAX_FAILURES_PER_HOUR: '100000',
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
const DOCS = Object.fromEntries(
  await Promise.all(Object.entries(CONFIGS).map(async ([name, env]) => [name, await documentOf(env)] as const)),
);
const operationsOf = (doc: OpenApi): Operation[] =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
  );

const ajv = new Ajv({ strict: false });
formats.default(ajv);
const validators = new WeakMap<object, ValidateFunction>();

/** Why `body` does not match the declared `schema` (whose `$ref`s point into the document's components), if it does not. */
function mismatchOf(doc: OpenApi, schema: object, body: unknown): string | undefined {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = ajv.compile({ ...schema, components: doc.components })));
  return validate(body) ? undefined : ajv.errorsText(validate.errors);
}

/**
 * A fuzzed admin call can point a realm's directory or a sign-in provider at a host that does not answer; the
 * logins that then reach it get the declared 503 naming it, as they must. Any other 5xx is a failure.
 */
const UNREACHABLE_DEPENDENCY = /(directory of realm|sign-in provider) .* cannot be reached/;

/** The statuses declared where a URL with dot segments ("%2E", "..") lands once normalised, when that is another route. */
function statusesWhereItLands(doc: OpenApi, method: string, url: string): string[] | undefined {
  const path = url.split('?')[0]!;
  const normalised = new URL(path, 'http://fuzz').pathname;
  return normalised === path ? undefined : declaredStatuses(doc, method, normalised);
}

/** What the answer must be: not a 5xx, declared, and JSON of the declared shape wherever JSON is declared. */
function problemsOf(doc: OpenApi, op: Operation, url: string, res: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  const declared = op.responses[String(res.statusCode)] ?? op.responses.default;
  if (res.statusCode >= 500 && !(res.statusCode === 503 && declared && UNREACHABLE_DEPENDENCY.test(res.body)))
    problems.push(`a ${res.statusCode}`);
  // A path parameter such as ".." can move the URL off the operation (the URL is normalised): then another route, or none, answers.
  const landing = statusesWhereItLands(doc, op.method, url);
  const noRoute = res.statusCode === 404 && res.body.includes('"code":"route-not-found"');
  const leftTheOperation = noRoute || landing !== undefined;
  if (!declared && !noRoute && !landing?.includes(String(res.statusCode)))
    problems.push(`undeclared status ${res.statusCode} (declared: ${Object.keys(op.responses).join(', ')})`);
  const types = Object.keys(declared?.content ?? {});
  if (res.body.length > 0 && types.length > 0 && types.every((t) => t.includes('json')) && !leftTheOperation) {
    const type = String(res.headers['content-type'] ?? '');
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      problems.push(`a non-JSON answer (${type}) where JSON is declared`);
      return problems;
    }
    if (!type.includes('json')) problems.push(`a non-JSON answer (${type}) where JSON is declared`);
    const schema = (declared!.content![types[0]!] as { schema?: object }).schema;
    const mismatch = schema && mismatchOf(doc, schema, body);
    if (mismatch) problems.push(`an answer unlike its declared schema: ${mismatch}`);
  }
  return problems;
}

/** Whether an answer may have changed the live user (deleted, signed out, disabled…): the next request gets a fresh one. */
function changedLiveUser(op: Operation, recipe: Recipe, res: LightMyRequestResponse): boolean {
  if (res.statusCode >= 300 || !(recipe.persona === 'live' || recipe.path.includes('LIVE_ID'))) return false;
  if (op.tags?.some((tag) => (DIALECT_TAGS as readonly string[]).includes(tag))) return op.path.endsWith('/logout');
  return op.method !== 'GET' && !op.path.startsWith('/storage');
}

const SUITES = DATABASES.flatMap((db) =>
  Object.keys(CONFIGS).map((name) => [db, name as keyof typeof CONFIGS] as const),
);

describe.each(SUITES)('fuzzing /openapi.json on %s, %s', (db, configName) => {
  const get = useTestApp(db, CONFIGS[configName]);
  const doc = DOCS[configName]!;
  let world: World | undefined;

  it.each(operationsOf(doc).map((op) => [`${op.method} ${op.path}`, op] as const))(
    '%s answers no 5xx, only declared statuses, JSON where declared',
    async (_name, op) => {
      const t = get();
      const send: Send = (opts) => t.app.inject(opts);
      world ??= await createWorld(send, ADMIN_SECRET);
      await fc.assert(
        fc.asyncProperty(requestOf(op, doc), async (recipe) => {
          const w = world!;
          const req = injectOptions(op, recipe, w, ADMIN_SECRET);
          const res = await t.app.inject(req);
          if (changedLiveUser(op, recipe, res)) world = await createWorld(send, ADMIN_SECRET);
          const problems = problemsOf(doc, op, req.url, res);
          expect(
            problems,
            `${req.method ?? op.method} ${req.url} ${JSON.stringify(req.query)} as ${recipe.persona} → ${res.statusCode} ${res.body.slice(0, 300)}`,
          ).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    Math.max(30_000, RUNS * 500),
  );
});

/**
 * The admin secret over the directory and provider admin routes, where every request is the admin's: a directory
 * saved with settings the LDAP client refuses once made every login of its realm a 500, on every door. So each
 * answer is judged, and so are the logins that reach the realm's directory (or the default one) right after it.
 */
describe.each(DATABASES)('fuzzing the directory and provider admin routes with the admin secret on %s', (db) => {
  const get = useTestApp(db, CONFIGS['features on']);
  const doc = DOCS['features on']!;
  const loginPaths = ['/auth', '/api/v1/login', '/auth/login'];
  const logins = operationsOf(doc).filter((op) => op.method === 'POST' && loginPaths.includes(op.path));
  let world: World | undefined;

  const ops = operationsOf(doc).filter((op) => FEDERATION_ADMIN_ROUTE.test(op.path));
  const named = ops.map((op) => [`${op.method} ${op.path}`, op] as const);
  it.each(named)(
    '%s as the admin, and the logins after it, answer no 5xx',
    async (_name, op) => {
      const t = get();
      world ??= await createWorld((opts) => t.app.inject(opts), ADMIN_SECRET);
      await fc.assert(
        fc.asyncProperty(asAdmin(op, requestOf(op, doc)), async (recipe) => {
          const req = injectOptions(op, recipe, world!, ADMIN_SECRET);
          const res = await t.app.inject(req);
          const sent = `${req.method} ${req.url} ${String(req.payload).slice(0, 300)}`;
          expect(problemsOf(doc, op, req.url, res), `${sent} → ${res.statusCode} ${res.body.slice(0, 300)}`).toEqual(
            [],
          );
          for (const login of directoryLogins(realmOf(req))) {
            const answer = await t.app.inject(login);
            const loginOp = logins.find((l) => l.path === login.url)!;
            const seen = `after ${sent}: ${login.url} → ${answer.statusCode} ${answer.body.slice(0, 300)}`;
            expect(problemsOf(doc, loginOp, login.url, answer), seen).toEqual([]);
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    Math.max(30_000, RUNS * 1500),
  );
});
