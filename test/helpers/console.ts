import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Env } from '../../src/config/load.js';
import type { DatabaseKind, TestApp } from './app.js';
import { PASSWORD, uniqueEmail } from './auth.js';
import { launchChromium, serveTestApp, watchCsp } from './browser.js';

/** One Chromium for a console suite file, launched before its tests and closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not launched yet');
    return browser;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: each route answers its own JSON, which the tests read as they need
type Json = any;

export interface ConsoleSession {
  t: TestApp & { base: string };
  context: BrowserContext;
  page: Page;
  /** The Content-Security-Policy violations the page reported; closeConsole() fails unless there are none. */
  csp: string[];
  /** The admin signed in by openConsole() (undefined with `signIn: false`), created through the admin API. */
  admin?: { id: string; email: string };
  /** A call with the suite's ADMIN_SECRET: the status, and the JSON body (null for 204). */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
}

/** Signs in on the console's page with a password, and waits for the dashboard. */
export async function signInToConsole(page: Page, base: string, email: string, password = PASSWORD) {
  await page.goto(`${base}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/**
 * A served test app with `env` and `adminSecret`, and a page (1280 px wide) in its own browser context. Unless
 * `signIn` is false, an admin (roles admin and user) is created through the admin API and signed in.
 */
export async function openConsole(
  browser: Browser,
  db: DatabaseKind,
  opts: { env: Env; adminSecret: string; height?: number; signIn?: boolean },
): Promise<ConsoleSession> {
  const t = await serveTestApp(db, { ...opts.env, ADMIN_SECRET: opts.adminSecret });
  const call: ConsoleSession['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${t.base}${path}`, {
      method,
      headers: {
        'x-admin-secret': opts.adminSecret,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const context = await browser.newContext({ viewport: { width: 1280, height: opts.height ?? 900 } });
  const page = await context.newPage();
  const session: ConsoleSession = { t, context, page, csp: watchCsp(page), call };
  if (opts.signIn === false) return session;
  const email = uniqueEmail('admin');
  const created = await call('POST', '/admin/users', { email, password: PASSWORD, roles: ['admin', 'user'] });
  expect(created.status).toBe(201);
  await signInToConsole(page, t.base, email);
  return { ...session, admin: { id: created.body.id, email } };
}

/** Closes what openConsole() opened, after checking that the page reported no CSP violation. */
export async function closeConsole(session: ConsoleSession | undefined): Promise<void> {
  if (!session) return;
  expect(session.csp).toEqual([]);
  await session.context.close();
  await session.t.close();
}
