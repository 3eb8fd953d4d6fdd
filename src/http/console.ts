import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { errors } from '../core/errors.js';
import { INSTALL_DIR } from '../install-dir.js';
import { declarePluginRoute, hiddenRoute, STATIC } from './schemas.js';
import type { App } from './types.js';

/** Where `npm run build:console` (Vite) writes the console. */
export const CONSOLE_DIR = path.join(INSTALL_DIR, 'console', 'dist') + path.sep;

/**
 * No inline script or style, nothing from another origin, never framed. `blob:` images are the
 * previews the console fetches with its bearer token; `data:` images are the stylesheet's icons.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The admin console: static files built by Vite, served at /console/ with a strict CSP. */
export async function adminConsole(app: App, root = CONSOLE_DIR) {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  // @fastify/static's routes come without a response schema: declared here (its files, `/console/setup` too).
  app.addHook('onRoute', (route) => {
    if (!route.schema?.response) declarePluginRoute(route, STATIC);
  });
  app.get('/console', hiddenRoute(302), async (_request, reply) => reply.redirect('/console/', 302));
  if (!existsSync(`${root}index.html`)) {
    app.log.warn(`the admin console is not built (no ${root}index.html): run \`npm run build:console\``);
    // 503: console-not-built.
    app.get('/console/*', hiddenRoute(), async () => {
      throw errors.consoleNotBuilt();
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    index: ['index.html'],
    wildcard: true,
    cacheControl: false,
    // Vite names assets by content hash: they never change under one name.
    setHeaders: (res, file) =>
      res.setHeader('cache-control', file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  // The first-run setup link printed at start: the same page, which reads its token from the fragment.
  app.get('/console/setup', hiddenRoute(...STATIC), async (_request, reply) =>
    reply.header('cache-control', 'no-store').sendFile('index.html'),
  );
}
