import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll } from 'vitest';

const require = createRequire(import.meta.url);

/** @nhost/hasura-auth-js 2.12.0 as published, bundled for a browser with its dependencies: the global `HasuraAuth`. */
async function bundleClient(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: require.resolve('@nhost/hasura-auth-js'),
        formats: ['iife'],
        name: 'HasuraAuth',
        fileName: () => 'hasura-auth.js',
      },
    },
  });
  const [result] = (Array.isArray(out) ? out : [out]) as Rollup.RollupOutput[];
  return result!.output[0].code;
}

/**
 * A web app on an origin of its own, as nhost apps are deployed apart from their auth server. Every path answers
 * the same page, which loads hasura-auth-js and creates its client with the library's defaults (autoSignIn from the
 * page's URL, autoRefreshToken, window.localStorage) against `authUrl()`, as `window.auth`; the page shows who is
 * signed in, so that a screenshot tells.
 */
export function useHasuraAuthApp(authUrl: () => string) {
  let server: Server | undefined;
  let origin = '';
  beforeAll(async () => {
    const client = await bundleClient();
    server = createServer((req, res) => {
      if (req.url === '/hasura-auth.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(client);
      const page = `<!doctype html><html><head><title>An nhost app</title><script src="/hasura-auth.js"></script>
<style>body{font:18px sans-serif;margin:2em;background:#f4f6fb;color:#1d2433}#state{padding:1em;background:#fff;
border:2px solid #3f6ad8;border-radius:8px}</style></head><body><h1>An nhost app</h1><p id="state">Loading…</p>
<script>
window.auth = new HasuraAuth.HasuraAuthClient({ url: ${JSON.stringify(authUrl())} });
const show = (session) => {
  const user = session && session.user;
  document.getElementById('state').textContent = user
    ? 'Signed in as ' + user.email + (user.emailVerified ? ' (address verified)' : '') + ' at ' + location.pathname
    : 'Signed out';
};
window.auth.onAuthStateChanged((_event, session) => show(session));
window.auth.isAuthenticatedAsync().then(() => show(window.auth.getSession()));
</script></body></html>`;
      return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return { origin: () => origin };
}
