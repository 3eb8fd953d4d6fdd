import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { CONSOLE_DIR } from '../../src/http/console.js';
import { buildTestApp, type DatabaseKind, type TestApp } from './app.js';
import type { Env } from '../../src/config/load.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from './ports.js';

/** Debian's chromium, never a downloaded browser. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(path.join(CONSOLE_DIR, 'index.html')))
    throw new Error('The console is not built: run `npm run build:console` (npm test does)');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A test app listening on a real port, with SERVER_URL pointing at it so that mailed links work.
 * Its clock starts at the real time: the browser judges cookie expiry by its own clock.
 */
export async function serveTestApp(db: DatabaseKind, env: Env): Promise<TestApp & { base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await buildTestApp(db, { SERVER_URL: base, ...env });
  t.clock.advance(Date.now() - t.clock.now().getTime());
  await t.app.listen({ port, host: '127.0.0.1' });
  return Object.assign(t, { base });
}

export const SCREENSHOTS = path.resolve('docs/console');

/**
 * Takes a full-page screenshot and checks that it shows a rendered page (a PNG as wide as the
 * viewport, not one flat colour). It is written to docs/console for the README only with
 * UPDATE_SCREENSHOTS=1, and only where `keep` (one database's run is enough).
 */
export async function screenshot(page: Page, name: string, keep: boolean): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  const image = sharp(png);
  const [{ format, width }, { channels }] = await Promise.all([image.metadata(), image.stats()]);
  expect({ name, format, width }).toEqual({ name, format: 'png', width: page.viewportSize()!.width });
  expect(Math.max(...channels.map((c) => c.stdev)), `${name}: the screenshot is one flat colour`).toBeGreaterThan(1);
  if (!keep || process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await writeFile(path.join(SCREENSHOTS, `${name}.png`), png);
}

/** Fails on any Content-Security-Policy violation the page reports. */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  return violations;
}

/** The system Chromium (installed by .ci/run), headless. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
};

/** One Chromium per suite, closed after it (for suites that do not need the console built). */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch(CHROMIUM);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browser not launched yet');
    return browser;
  };
}
