import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { createClient, newUser, useIdp } from './helpers/idp.js';

/**
 * Fuzzes the routes /openapi.json does not show (`hide: true`): the identity provider's interaction pages and
 * posts, its passkey step, forward-auth's sign-in, the upstream provider's return, the console, the home page,
 * the feature gates and the unknown-path answers. The routes are read from the app itself (its route tree, less
 * the hidden ones), and each gets random and malformed path parameters, queries, form and JSON bodies,
 * a foreign, absent or own Origin, a live interaction (a real authorization request at a registered client) or
 * none, the browser's single sign-on cookie or none. Fails on any 5xx, any status the route does not declare in
 * its own `schema.response` (recorded by the app's `onRoute` hook, `app.routeSchemas`), and a non-JSON answer
 * from a route that answers JSON. FUZZ_SEED / FUZZ_RUNS as in test/fuzz.test.ts.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

/**
 * Routes answering JSON whatever the input: the passkey step's options and assertion, the dialects' catch-alls (not
 * Rocket.Chat's, which answers `404 Not Found` in plain text as Meteor does; not oidc-provider's, the console's files
 * or swagger-ui's).
 */
const JSON_ROUTES = /\/mfa\/passkey\/(options|verify)$|^\/(?!oidc\/|console\/|docs\/|api\/v1\/\*)[^*]*\*$/;

/**
 * The dialects' catch-alls (one per prefix and method: privacyIDEA alone has some 150) all run one handler: each gets
 * a sixth of the runs.
 */
const runsOf = (route: Route) =>
  JSON_ROUTES.test(route.path) && route.path.endsWith('*') ? Math.ceil(RUNS / 6) : RUNS;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
type Route = { method: string; path: string; statuses: number[] };

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2E%2E', '%00', '%ff', 'a%2Fb', '%20', '%', '{}', 'x'.repeat(2000)),
);
const queryValue = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('/', '//evil.test', 'http://evil.test/x'));
const query = fc.dictionary(
  fc.constantFrom('rd', 'next', 'uid', 'code', 'state', 'client_id', 'redirect_uri', 'x'),
  fc.oneof(queryValue, fc.array(queryValue, { maxLength: 3 })),
  { maxKeys: 3 },
);
const fields = fc.dictionary(
  fc.constantFrom('identifier', 'password', 'ticket', 'code', 'methods', 'realm', 'credential', 'remember', 'x'),
  fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 2 })),
  { maxKeys: 4 },
);
const body = fc.oneof(
  fc.constant(undefined),
  fields.map((f) => ({ type: 'json', payload: JSON.stringify(f) })),
  fields.map((f) => ({
    type: 'form',
    payload: new URLSearchParams(Object.entries(f).map(([k, v]) => [k, String(v)])).toString(),
  })),
  // Junk under any content type: malformed JSON, a broken form, text, XML.
  fc.record({
    type: fc.constantFrom('json', 'form', 'text/plain', 'application/xml'),
    payload: fc.string({ maxLength: 200 }),
  }),
);

describe.each(DATABASES)('fuzzing the hidden routes on %s', (db) => {
  const idp = useIdp(db, () => ({
    FORWARD_AUTH_ENABLED: 'true',
    RATE_LIMIT_AUTH_PER_IP: '1000000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
    LOGIN_MAX_FAILURES_PER_HOUR: '100000',
  }));

  it('answers 400 invalid-url for a NUL in a swagger-ui file path (it was a 500: @fastify/send threw)', async () => {
    const res = await idp.app().app.inject({ url: '/docs/static/%00' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid-url');
  });

  it('declares statuses on every route, hidden ones included', () => {
    const { routeSchemas } = idp.app().app;
    const bare = routeSchemas.list().filter((r) => !routeSchemas.statusesOf(r.method, r.url)?.length);
    expect(bare).toEqual([]);
  });

  it('answers no 5xx, only the statuses each hidden route declares, JSON where the route answers JSON', async () => {
    const t = idp.app();
    const server = idp.server();
    const { routeSchemas } = t.app;
    // The hidden routes as the app recorded them (`onRoute`), each with its own declared statuses.
    const routes: Route[] = routeSchemas
      .list()
      .filter((r) => r.hidden && METHODS.includes(r.method))
      .map((r) => ({ method: r.method, path: r.url, statuses: routeSchemas.statusesOf(r.method, r.url) ?? [] }));
    /** What any route declares: a URL whose dot segments normalise onto another route is judged by these. */
    const anyRoute = new Set([404, ...routeSchemas.list().flatMap((r) => routeSchemas.statusesOf(r.method, r.url)!)]);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    if (process.env.FUZZ_LIST) console.log(keys.join('\n'));
    for (const wanted of [
      'GET /oidc/interaction/:uid',
      'POST /oidc/interaction/:uid/login',
      'POST /oidc/interaction/:uid/mfa/passkey/verify',
      'POST /auth/forward/signin',
      'GET /auth/sso/provider-done',
      'POST /oidc/*',
    ])
      expect(keys).toContain(wanted);

    const client = await createClient(t, { trusted: false });
    const user = await newUser(t);
    /** A live interaction: a real authorization request at the client; its uid and its cookies. */
    const interaction = async () => {
      const url = new URL(`${server}/oidc/auth`);
      url.search = new URLSearchParams({
        client_id: client.id,
        redirect_uri: 'http://rp.test/callback',
        response_type: 'code',
        scope: 'openid email',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'fuzz',
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      const location = res.headers.get('location') ?? '';
      const uid = /\/interaction\/([^/?]+)/.exec(location)?.[1];
      if (!uid) throw new Error(`no interaction: ${res.status} ${location}`);
      return {
        uid,
        cookie: res.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      };
    };
    /** The browser's single sign-on cookie, from forward-auth's sign-in page. */
    const signOn = await t.app.inject({
      method: 'POST',
      url: '/auth/forward/signin',
      headers: { origin: server },
      payload: { identifier: user.email, password: user.password },
    });
    const sso = (signOn.headers['set-cookie'] as string[] | string | undefined) ?? [];
    const ssoCookie = [sso]
      .flat()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(ssoCookie).not.toBe('');

    const failures: string[] = [];
    const seen = new Set<string>();
    for (const route of routes) {
      const before = failures.length;
      await fc
        .assert(
          fc.asyncProperty(
            fc.record({
              params: fc.array(segment, { minLength: 3, maxLength: 3 }),
              live: fc.boolean(),
              signedOn: fc.boolean(),
              origin: fc.constantFrom(undefined, server, 'http://evil.test', 'null'),
              query,
              body,
            }),
            async (r) => {
              const ix = r.live && route.path.includes(':uid') ? await interaction() : undefined;
              let i = 0;
              const path = route.path
                .replace(/:uid/g, () => ix?.uid ?? r.params[i++]!)
                .replace(/:[A-Za-z_]+/g, () => r.params[i++ % 3]!)
                .replace(/\*$/, () => r.params[i++ % 3]!);
              const search = new URLSearchParams();
              for (const [k, v] of Object.entries(r.query)) for (const x of [v].flat()) search.append(k, x);
              const url = `${path}${search.size ? `?${search}` : ''}`;
              const cookies = [ix?.cookie, r.signedOn ? ssoCookie : undefined].filter(Boolean).join('; ');
              const headers: Record<string, string> = {};
              if (cookies) headers.cookie = cookies;
              if (r.origin) headers.origin = r.origin;
              const withBody = route.method !== 'GET' && r.body;
              if (withBody)
                headers['content-type'] =
                  r.body!.type === 'json'
                    ? 'application/json'
                    : r.body!.type === 'form'
                      ? 'application/x-www-form-urlencoded'
                      : r.body!.type;
              const res: LightMyRequestResponse = await t.app.inject({
                method: route.method as 'GET',
                url,
                headers,
                ...(withBody ? { payload: r.body!.payload } : {}),
              });
              seen.add(`${route.method} ${route.path} ${res.statusCode}`);
              const problems = problemsOf(route, url, res, anyRoute);
              if (problems.length)
                failures.push(`${route.method} ${url} (${JSON.stringify(r)}): ${problems.join('; ')}`);
              return problems.length === 0;
            },
          ),
          { seed: SEED, numRuns: runsOf(route), endOnFailure: true },
        )
        .catch((err: Error) => {
          // A failed property is already listed with its request; a thrown error (no live interaction…) is not.
          if (failures.length === before) failures.push(`${route.method} ${route.path}: ${err.message.split('\n')[0]}`);
        });
    }
    expect(failures).toEqual([]);
    // The live interactions were live: their sign-in page was served.
    expect(seen).toContain('GET /oidc/interaction/:uid 200');
  }, 240_000);
});

function problemsOf(route: Route, url: string, res: LightMyRequestResponse, anyRoute: Set<number>): string[] {
  const problems: string[] = [];
  // A dot segment can move the URL off the route (the URL is normalised): another route answers, in its own type.
  const moved = /(^|\/)(\.\.|%2E%2E)(\/|\?|$)/i.test(url);
  const declared = moved ? anyRoute : new Set(route.statuses);
  // The console's files answer 503 `console-not-built` (declared) where `npm run build:console` has not run.
  const unbuilt = res.statusCode === 503 && res.body.includes('console-not-built');
  if (res.statusCode >= 500 && !unbuilt) problems.push(`a ${res.statusCode}: ${res.body.slice(0, 200)}`);
  else if (!declared.has(res.statusCode))
    problems.push(`an undeclared ${res.statusCode} (declared: ${route.statuses})`);
  if (moved) return problems;
  const type = String(res.headers['content-type'] ?? '');
  if (JSON_ROUTES.test(route.path) && res.body.length > 0 && !type.includes('json'))
    problems.push(`a non-JSON answer (${type}) from a JSON route`);
  return problems;
}
