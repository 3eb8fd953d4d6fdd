import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll } from 'vitest';

const require = createRequire(import.meta.url);

/** nhost-js-sdk 3.1.0 as published, bundled for a browser with its axios, query-string and jwt-decode: the global `NhostSdk`. */
async function bundleSdk(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: require.resolve('nhost-js-sdk'),
        formats: ['iife'],
        name: 'NhostSdk',
        fileName: () => 'nhost-sdk.js',
      },
    },
  });
  const [result] = (Array.isArray(out) ? out : [out]) as Rollup.RollupOutput[];
  return result!.output[0].code;
}

/**
 * A web app on an origin of its own, as HBP apps are deployed apart from their auth server. Every
 * path answers the same page, which loads the SDK and creates its client with the SDK's defaults
 * (autoLogin, window.localStorage) against `baseURL()`, as `window.nhost`.
 */
export function useSdkApp(baseURL: () => string) {
  let server: Server | undefined;
  let origin = '';
  beforeAll(async () => {
    const sdk = await bundleSdk();
    server = createServer((req, res) => {
      if (req.url === '/nhost-sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
      const page = `<!doctype html><html><head><title>An HBP app</title><script src="/nhost-sdk.js"></script>
<script>window.nhost = NhostSdk.createClient({ baseURL: ${JSON.stringify(baseURL())} });</script></head><body></body></html>`;
      return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return { origin: () => origin };
}
