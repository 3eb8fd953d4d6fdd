import parse, { type Family, type Sample } from 'parse-prometheus-text-format';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, login, register } from './helpers/auth.js';
import { enableTotp } from './helpers/doors.js';

const TOKEN = 'a-long-metrics-scrape-token-0123456789';

type Scrape = Family[] & { text: string };

async function scrape(t: TestApp, token = TOKEN): Promise<Scrape> {
  const res = await t.request({ url: '/metrics', headers: bearer(token) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return Object.assign(parse(res.body), { text: res.body });
}

/**
 * The observation count of one histogram series. The parser drops the labels of histograms whose
 * `le` label comes first (prom-client's order), so `_count` lines are read from the text here.
 */
function histogramCount(scraped: Scrape, name: string, labels: Record<string, string>): number {
  for (const line of scraped.text.split('\n')) {
    const m = new RegExp(`^${name}_count\\{(.*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const found = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[2]);
  }
  return 0;
}

function samples(families: Family[], name: string): Sample[] {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  return family.metrics;
}

/** The value of the sample whose labels include `labels` (0 when absent: counters start unseen). */
function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples(families, name).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return hit ? Number(hit.value ?? hit.count) : 0;
}

describe.each(DATABASES)('Prometheus metrics on %s', (db) => {
  const get = useTestApp(db, { METRICS_TOKEN: TOKEN, RATE_LIMIT_AUTH_PER_ACCOUNT: '3' });

  it('needs the bearer METRICS_TOKEN when one is set', async () => {
    const t = get();
    expect((await t.request({ url: '/metrics' })).statusCode).toBe(401);
    expect(
      (await t.request({ url: '/metrics', headers: bearer('a-long-metrics-scrape-token-wrong-guess') })).statusCode,
    ).toBe(401);
    expect((await t.request({ url: '/metrics', headers: bearer(TOKEN) })).statusCode).toBe(200);
  });

  it('counts requests and their latency by route template and status', async () => {
    const t = get();
    const before = await scrape(t);
    const { user } = await register(t);
    expect((await login(t, user.email)).statusCode).toBe(200);
    expect((await login(t, user.email, 'not the password')).statusCode).toBe(401);
    await t.request({ url: `/storage/o/user/${user.id}/nothing-here.txt` });
    const after = await scrape(t);
    const ok = { method: 'POST', route: '/auth/login', status: '200' };
    expect(value(after, 'gatehouse_http_requests_total', ok) - value(before, 'gatehouse_http_requests_total', ok)).toBe(
      1,
    );
    expect(
      value(after, 'gatehouse_http_requests_total', { ...ok, status: '401' }) -
        value(before, 'gatehouse_http_requests_total', { ...ok, status: '401' }),
    ).toBe(1);
    expect(
      histogramCount(after, 'gatehouse_http_request_duration_seconds', ok) -
        histogramCount(before, 'gatehouse_http_request_duration_seconds', ok),
    ).toBe(1);
    // Raw paths never become label values: the route template does.
    expect(samples(after, 'gatehouse_http_requests_total').some((m) => m.labels?.route?.includes(user.id))).toBe(false);
  });

  it('counts logins by door and outcome, derived from the audit log', async () => {
    const t = get();
    const before = await scrape(t);
    const { user } = await register(t);
    await login(t, user.email);
    await login(t, user.email, 'not the password');
    const after = await scrape(t);
    const delta = (outcome: string) =>
      value(after, 'gatehouse_logins_total', { door: 'hbp', outcome }) -
      value(before, 'gatehouse_logins_total', { door: 'hbp', outcome });
    expect(delta('success')).toBe(1);
    expect(delta('failure')).toBe(1);
  });

  it('counts the second step of an MFA login: a wrong code, then the sign-in it completes', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const code = await enableTotp(t, jwt_token);
    const before = await scrape(t);
    const { ticket } = (await login(t, user.email)).json() as { ticket: string };
    expect(
      (await t.request({ method: 'POST', url: '/auth/mfa/totp', payload: { ticket, code: '000000' } })).statusCode,
    ).toBe(401);
    expect(
      (await t.request({ method: 'POST', url: '/auth/mfa/totp', payload: { ticket, code: code() } })).statusCode,
    ).toBe(200);
    const after = await scrape(t);
    const delta = (outcome: string) =>
      value(after, 'gatehouse_logins_total', { door: 'hbp', outcome }) -
      value(before, 'gatehouse_logins_total', { door: 'hbp', outcome });
    expect(delta('mfa_required')).toBe(1);
    expect(delta('mfa_failure')).toBe(1);
    expect(delta('success')).toBe(1);
    expect(delta('failure')).toBe(0);
  });

  it('counts refresh rotations and reuse detections', async () => {
    const t = get();
    const before = await scrape(t);
    const { refresh_token } = await register(t);
    const rotated = await t.request({ url: `/auth/token/refresh?refresh_token=${refresh_token}` });
    expect(rotated.statusCode).toBe(200);
    t.clock.advanceSeconds(t.config.jwt.reuseGraceSeconds + 1);
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${refresh_token}` })).statusCode).toBe(401);
    const after = await scrape(t);
    expect(value(after, 'gatehouse_refresh_rotations_total') - value(before, 'gatehouse_refresh_rotations_total')).toBe(
      1,
    );
    expect(
      value(after, 'gatehouse_refresh_reuse_detections_total') -
        value(before, 'gatehouse_refresh_reuse_detections_total'),
    ).toBe(1);
  });

  it('times password hashing and counts rate-limit refusals', async () => {
    const t = get();
    const before = await scrape(t);
    const { user } = await register(t);
    for (let i = 0; i < 4; i++) await login(t, user.email, 'not the password');
    const after = await scrape(t);
    const hashes = (f: Scrape, operation: string) =>
      histogramCount(f, 'gatehouse_password_hash_seconds', { operation });
    // Registering hashes the password (and, since digest logins, its SHA-256 digest too).
    expect(hashes(after, 'hash') - hashes(before, 'hash')).toBeGreaterThanOrEqual(1);
    expect(hashes(after, 'verify') - hashes(before, 'verify')).toBeGreaterThanOrEqual(1);
    expect(
      value(after, 'gatehouse_rate_limit_refusals_total', { route: '/auth/login' }) -
        value(before, 'gatehouse_rate_limit_refusals_total', { route: '/auth/login' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts image transforms but not variants served from the cache', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 90, b: 200 } } })
      .png()
      .toBuffer();
    const key = `/storage/o/public/metrics-${Date.now()}.png`;
    expect(
      (
        await t.request({
          method: 'POST',
          url: key,
          payload: png,
          headers: { ...bearer(jwt_token), 'content-type': 'image/png' },
        })
      ).statusCode,
    ).toBe(200);
    const before = await scrape(t);
    expect((await t.request({ url: `${key}?w=10` })).statusCode).toBe(200);
    expect((await t.request({ url: `${key}?w=10` })).statusCode).toBe(200);
    const after = await scrape(t);
    expect(
      value(after, 'gatehouse_image_transforms_total', { outcome: 'success' }) -
        value(before, 'gatehouse_image_transforms_total', { outcome: 'success' }),
    ).toBe(1);
    expect(value(after, 'gatehouse_image_transform_queue_length')).toBe(0);
  });

  it('reports database pool use and process metrics', async () => {
    const families = await scrape(get());
    expect(value(families, 'gatehouse_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(value(families, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(families, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe.each(DATABASES)('metrics without a token on %s', (db) => {
  const get = useTestApp(db);

  it('serves /metrics openly when METRICS_TOKEN is unset', async () => {
    const res = await get().request({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(parse(res.body).map((f) => f.name)).toContain('gatehouse_http_requests_total');
  });
});
