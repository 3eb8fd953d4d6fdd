import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A real web UI's build served on a loopback origin of its own, with a same-origin proxy to Gatehouse: the page
 * calls its API on the origin it was loaded from, exactly as when the real server serves it, and the calls reach
 * Gatehouse unchanged. Nothing is fetched from the network; the build is a local directory.
 */
export interface UiOrigin {
  url: string;
  /** Every request the page sent that went through to Gatehouse: method, path and headers. */
  proxied: { method: string; path: string; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

export interface UiOriginOptions {
  /** The build directory (index.html and assets). */
  dir: string;
  /** Gatehouse's base URL. */
  target: string;
  /** Whether a request that names no file of the build goes to Gatehouse (else it gets the index page). */
  proxies: (method: string, pathname: string, accept: string) => boolean;
  /** The page a navigation gets (the single-page app's index), already rendered. */
  index: () => string;
  /** URL prefixes the build's files are served under besides the root (privacyIDEA serves its UI under /static/). */
  mounts?: string[];
  /** JSON the UI's own web server answers itself (privacyIDEA's `GET /config` for its new UI), by path. */
  answers?: Record<string, unknown>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/**
 * The file a path names inside the build, if there is one (never outside it): under the root or a mount, else
 * under the path's last segments (a build made for another base href, e.g. `/static/dist/<app>/browser/`).
 */
function fileFor(dir: string, pathname: string, mounts: string[]): string | undefined {
  const root = path.resolve(dir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const segments = decoded.split('/').filter(Boolean);
  const candidates = [
    ...['/', ...mounts].filter((m) => decoded.startsWith(m)).map((m) => decoded.slice(m.length - 1)),
    ...segments.map((_s, i) => `/${segments.slice(i).join('/')}`),
  ];
  for (const candidate of candidates) {
    const file = path.resolve(root, `.${candidate}`);
    if (!file.startsWith(`${root}${path.sep}`)) continue;
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

function proxy(target: string, req: IncomingMessage, res: ServerResponse) {
  const upstream = new URL(target);
  const forward = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', () => {
    res.writeHead(502).end();
  });
  req.pipe(forward);
}

/** Serves a UI build on 127.0.0.1 (a free port) with the proxy to Gatehouse described above. */
export async function serveUi(options: UiOriginOptions): Promise<UiOrigin> {
  const proxied: UiOrigin['proxied'] = [];
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://ui.invalid');
    const method = req.method ?? 'GET';
    const reads = method === 'GET' || method === 'HEAD';
    const own = reads ? options.answers?.[pathname] : undefined;
    if (own !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(own));
    }
    const file = !reads || pathname === '/' ? undefined : fileFor(options.dir, pathname, options.mounts ?? []);
    if (file) {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      return res.end(readFileSync(file));
    }
    if (options.proxies(method, pathname, String(req.headers.accept ?? ''))) {
      proxied.push({ method, path: pathname, headers: { ...req.headers } });
      return proxy(options.target, req, res);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    return res.end(options.index());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    proxied,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Renders the little of Jinja that privacyIDEA's index templates use, as its Flask view would: `{% include %}`
 * (from the same folder), `{% raw %}` (left to AngularJS), `{% if name %}…{% else %}…{% endif %}` and
 * `{{ name | filter }}` and `{{ "literal" | filter }}` (the filters, such as `versioned`, are the identity here).
 */
export function renderJinja(file: string, values: Record<string, string>, appConfig?: Record<string, unknown>): string {
  const dir = path.dirname(file);
  let text = readFileSync(file, 'utf8').replace(/\{%\s*include\s+['"]([^'"]+)['"]\s*%\}/g, (_m, name: string) =>
    existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8') : '',
  );
  // The new web UI's template builds `window.appConfig` from the view's values in one script: it gets them as JSON.
  if (appConfig)
    text = text.replace(
      /<script>(?:(?!<\/script>)[\s\S])*?window\.appConfig(?:(?!<\/script>)[\s\S])*<\/script>/,
      () => `<script>window.appConfig = ${JSON.stringify(appConfig)};</script>`,
    );
  const raws: string[] = [];
  text = text.replace(/\{%\s*raw\s*%\}([\s\S]*?)\{%\s*endraw\s*%\}/g, (_m, body: string) => {
    raws.push(body);
    return `@@raw-block-${raws.length - 1}@@`;
  });
  const truthy = (name: string) => !['', 'False', 'false', '0', 'None'].includes(values[name] ?? '');
  const block = /\{%\s*if\s+(not\s+)?([\w.]+)\s*%\}((?:(?!\{%\s*if)[\s\S])*?)\{%\s*endif\s*%\}/;
  for (let m = block.exec(text); m; m = block.exec(text)) {
    const [whole, negated, name, body] = m;
    const [then, otherwise = ''] = body!.split(/\{%\s*else\s*%\}/);
    text = text.replace(whole, truthy(name!) !== Boolean(negated) ? then! : otherwise);
  }
  text = text.replace(
    /\{\{\s*(?:"([^"]*)"|'([^']*)'|([\w.]+))[^}]*\}\}/g,
    (_m, double?: string, single?: string, name?: string) => double ?? single ?? values[name!] ?? '',
  );
  return text.replace(/@@raw-block-(\d+)@@/g, (_m, i: string) => raws[Number(i)]!);
}
