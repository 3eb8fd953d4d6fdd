import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { PASSWORD } from './auth.js';
import { brokenObjectOf, hostileValue, arbitraryOf, type JsonSchema } from './schema-arbitrary.js';

/** Request generators of the fuzz suite: an OpenAPI operation in, valid and malformed requests out. */

// A 2×2 PNG: uploads that are real images, and sources for transforms.
export const FUZZ_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR42mP8z8DwnwEIGBmgAAMDAEnuBP0p1KUbAAAAAElFTkSuQmCC',
  'base64',
);

export interface Operation {
  method: string;
  path: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}
export interface OpenApi {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** `foreign`: the live user signed in, with another dialect's credential (HBP's on a dialect route, HumHub's elsewhere). */
export type Persona = 'nobody' | 'live' | 'deleted' | 'admin' | 'foreign';

/** What one user signed in with on each door. */
export interface Credentials {
  id: string;
  email: string;
  jwt: string;
  humhub: string;
  rocketchat: { userId: string; authToken: string };
  privacyidea: string;
  datarhei: { access: string; refresh: string };
}
export interface World {
  live: Credentials & { tokenId: string };
  deleted: Credentials;
}

/** The compatibility dialects, by their OpenAPI tag. */
export const DIALECT_TAGS = ['humhub', 'rocketchat', 'privacyidea', 'datarhei'] as const;
type DialectTag = (typeof DIALECT_TAGS)[number];
const dialectOf = (op: Operation) => DIALECT_TAGS.find((d) => op.tags?.includes(d));

/** Placeholders a generated request may carry, filled from the world when it is sent. */
export const fill = (text: string, w: World) =>
  text
    .replaceAll('LIVE_ID', w.live.id)
    .replaceAll('DELETED_ID', w.deleted.id)
    .replaceAll('TOKEN_ID', w.live.tokenId)
    .replaceAll('LIVE_EMAIL', w.live.email)
    .replaceAll('DELETED_EMAIL', w.deleted.email)
    .replaceAll('LIVE_PASSWORD', PASSWORD);

/** A user's credential as a dialect's clients send it. */
function signedIn(dialect: DialectTag | undefined, c: Credentials, op: Operation): Record<string, string> {
  switch (dialect) {
    case 'humhub':
      return { authorization: `Bearer ${c.humhub}` };
    case 'rocketchat':
      return { 'x-user-id': c.rocketchat.userId, 'x-auth-token': c.rocketchat.authToken };
    case 'privacyidea':
      return { authorization: c.privacyidea };
    case 'datarhei':
      return { authorization: `Bearer ${op.path.endsWith('/refresh') ? c.datarhei.refresh : c.datarhei.access}` };
    default:
      return { authorization: `Bearer ${c.jwt}` };
  }
}

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E',
    '%00',
    '%ff%fe',
    '%2f',
    'a%5cb',
    '%0a',
    'x'.repeat(300),
    'é',
    '%C3%A9',
    '~',
    '-1',
    '0',
  ),
  fc.string({ maxLength: 8, unit: 'grapheme' }).map(encodeURIComponent),
);
const storageKey = fc.oneof(
  fc.constantFrom(
    'public/img.png',
    'public/notes.txt',
    'public/',
    'public/missing.bin',
    'user/LIVE_ID/img.png',
    'user/LIVE_ID/',
    'user/DELETED_ID/x.txt',
    'admin/x',
    '',
    '/',
  ),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')),
  fc.tuple(fc.constantFrom('public', 'user/LIVE_ID'), segment).map(([a, b]) => `${a}/${b}`),
);
const pathValue = (name: string, schema: JsonSchema, doc: OpenApi) =>
  name === '*'
    ? storageKey
    : fc.oneof(
        {
          weight: 3,
          arbitrary: arbitraryOf(schema, doc.components?.schemas ?? {})
            .map(String)
            .map(encodeURIComponent),
        },
        fc.constantFrom('LIVE_ID', 'TOKEN_ID', 'DELETED_ID'),
        segment,
      );

const IMAGE_QUERY = fc.record(
  {
    w: fc.constantFrom('0', '1', '64', '999', '8192', '8193', '-1', '1e3', 'abc', ''),
    h: fc.constantFrom('0', '1', '64', '8192', '0.5'),
    q: fc.constantFrom('1', '80', '100', '0', '101'),
    f: fc.constantFrom('webp', 'png', 'jpeg', 'auto', 'gif', 'svg'),
    r: fc.constantFrom('0', '5', 'full', '8192', 'x'),
    b: fc.constantFrom('0.3', '5', '1000', '0.1', 'NaN'),
  },
  { requiredKeys: [] },
);

function queryOf(op: Operation, doc: OpenApi): fc.Arbitrary<Record<string, unknown>> {
  const params = (op.parameters ?? []).filter((p) => p.in === 'query');
  const schema: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
  const junk = fc.dictionary(
    fc.constantFrom(...params.map((p) => p.name), 'x', '__proto__', 'constructor'),
    fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })),
    { maxKeys: 3 },
  );
  const valid = arbitraryOf(schema, doc.components?.schemas ?? {}) as fc.Arbitrary<Record<string, unknown>>;
  const image = params.some((p) => p.name === 'w') ? [IMAGE_QUERY] : [];
  return fc.oneof(valid, junk, ...image);
}

interface Body {
  payload?: string | Buffer;
  type?: string;
}
const json = (v: unknown): Body => ({ payload: JSON.stringify(v), type: 'application/json' });
const MALFORMED_BODIES: Body[] = [
  {},
  { payload: '', type: 'application/json' },
  { payload: '{"a":', type: 'application/json' },
  { payload: 'null', type: 'application/json' },
  { payload: '[]', type: 'application/json' },
  { payload: '{"__proto__":{"admin":true}}', type: 'application/json' },
  { payload: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
  { payload: 'hello', type: 'text/plain' },
  { payload: '<x/>', type: 'application/xml' },
  { payload: '--x\r\n', type: 'multipart/form-data' },
  { payload: 'garbage', type: 'multipart/form-data; boundary=x' },
  { payload: '{}', type: 'application/json; charset=latin-7' },
  { payload: 'x'.repeat(300_000), type: 'application/json' },
  { payload: '{}', type: 'no/such type;;' },
];
const UPLOADS: Body[] = [
  { payload: FUZZ_PNG, type: 'image/png' },
  { payload: 'plain text', type: 'text/plain' },
  { payload: '<?xml version="1.0"?><x/>', type: 'text/xsl' },
  {
    payload: Buffer.from(
      `--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n`,
    ),
    type: 'multipart/form-data; boundary=b',
  },
  {
    payload: Buffer.from(`--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nhello\r\n--b--\r\n`),
    type: 'multipart/form-data; boundary=b',
  },
  {
    payload: Buffer.from(
      `--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\ntruncated`,
    ),
    type: 'multipart/form-data; boundary=b',
  },
];

const NAME_FIELDS = ['username', 'email', 'user'];
/** A login body of `schema`'s shape with a real account's name (and, mostly, its password): logins that can succeed. */
function credentialsOf(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const object = schema.anyOf?.find((s) => s.type === 'object') ?? schema;
  const name = NAME_FIELDS.find((f) => object.properties?.[f]);
  if (!name || !object.properties?.password) return undefined;
  return fc.record({
    [name]: fc.constantFrom('LIVE_EMAIL', 'DELETED_EMAIL'),
    password: fc.constantFrom('LIVE_PASSWORD', 'LIVE_PASSWORD', 'wrong password'),
  });
}

function bodyOf(op: Operation, doc: OpenApi): fc.Arbitrary<Body> {
  const malformed = fc.constantFrom(...MALFORMED_BODIES);
  if (op.method === 'GET' || op.method === 'HEAD') return fc.constant({});
  const schema = op.requestBody?.content['application/json']?.schema;
  const components = doc.components?.schemas ?? {};
  const hostile = hostileValue.map(json);
  if (op.path.startsWith('/storage/o/') && op.method === 'POST')
    return fc.oneof(fc.constantFrom(...UPLOADS), malformed, hostile);
  if (!schema) return fc.oneof(malformed, hostile, fc.constant(json({})));
  const credentials = credentialsOf(schema);
  return fc.oneof(
    { weight: 4, arbitrary: arbitraryOf(schema, components).map(json) },
    { weight: 2, arbitrary: brokenObjectOf(schema, components).map(json) },
    ...(credentials ? [{ weight: 3, arbitrary: credentials.map(json) }] : []),
    malformed,
    hostile,
  );
}

const AUTH_OVERRIDES = fc.constantFrom<string | undefined>(
  undefined,
  undefined,
  undefined,
  'Bearer',
  'Bearer a b',
  'Basic Zm9vOmJhcg==',
  'Bearer eyJhbGciOiJub25lIn0.e30.',
  `Bearer ${'A'.repeat(5000)}`,
);
const EXTRA_HEADERS = fc.record(
  {
    range: fc.constantFrom('bytes=0-1', 'bytes=5-1', 'bytes=-0', 'bytes=0-1,3-4', 'items=1'),
    'if-none-match': fc.constantFrom('*', '"x"', 'W/"x"'),
    'if-modified-since': fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'not a date'),
    accept: fc.constantFrom('image/webp', '*/*', 'text/html'),
  },
  { requiredKeys: [] },
);

export function requestOf(op: Operation, doc: OpenApi) {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
  const path = fc
    .tuple(...pathParams.map((p) => pathValue(p.name, p.schema, doc)))
    .map((values) => pathParams.reduce((url, p, i) => url.replace(`{${p.name}}`, values[i]!), op.path));
  return fc.record({
    persona: fc.constantFrom<Persona>('nobody', 'live', 'deleted', 'admin', 'foreign'),
    path: pathParams.length ? path : fc.constant(op.path),
    query: queryOf(op, doc),
    body: bodyOf(op, doc),
    authorization: AUTH_OVERRIDES,
    headers: EXTRA_HEADERS,
  });
}
export type Recipe = ReturnType<typeof requestOf> extends fc.Arbitrary<infer R> ? R : never;

export function injectOptions(
  op: Operation,
  r: Recipe,
  w: World,
  adminSecret: string,
): InjectOptions & { url: string } {
  const dialect = dialectOf(op);
  let headers: Record<string, string> = { ...r.headers };
  if (r.persona === 'live') headers = { ...headers, ...signedIn(dialect, w.live, op) };
  if (r.persona === 'deleted') headers = { ...headers, ...signedIn(dialect, w.deleted, op) };
  if (r.persona === 'foreign') headers = { ...headers, ...signedIn(dialect ? undefined : 'humhub', w.live, op) };
  if (r.persona === 'admin') headers['x-admin-secret'] = adminSecret;
  if (r.authorization) headers.authorization = r.authorization;
  if (r.body.type) headers['content-type'] = r.body.type;
  const query = Object.fromEntries(
    Object.entries(r.query).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map((x) => fill(String(x), w)) : fill(typeof v === 'string' ? v : JSON.stringify(v), w),
    ]),
  );
  const payload = typeof r.body.payload === 'string' ? fill(r.body.payload, w) : r.body.payload;
  return { method: op.method as InjectOptions['method'], url: fill(r.path, w), query, headers, payload };
}
