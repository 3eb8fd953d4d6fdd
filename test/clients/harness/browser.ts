import { createRequire } from 'node:module';
import { CookieJar } from 'tough-cookie';
import type { Clock } from '../../../src/core/clock.js';

/**
 * What a browser gives nhost-js-sdk 3.1.0 and that Node lacks: an XMLHttpRequest-like transport for
 * its axios (with a cookie jar, as a page on the server's origin has) and a localStorage.
 * The SDK itself is used as published; only axios' transport is swapped, which axios supports.
 */

const require = createRequire(import.meta.url);
// The axios the SDK requires, with the helpers its own XHR adapter uses.
const sdkRequire = createRequire(require.resolve('nhost-js-sdk'));
const axios = sdkRequire('axios');
const settle = sdkRequire('axios/lib/core/settle');
const buildURL = sdkRequire('axios/lib/helpers/buildURL');
const buildFullPath = sdkRequire('axios/lib/core/buildFullPath');
const createError = sdkRequire('axios/lib/core/createError');

type AxiosConfig = {
  url: string;
  baseURL?: string;
  method: string;
  params?: unknown;
  paramsSerializer?: unknown;
  headers: Record<string, string>;
  data?: unknown;
};

/** A browser's network layer: cookie jar on the server's clock (the server stamps Expires from its injected clock). */
export class Browser {
  readonly jar = new CookieJar();
  /** Every request the SDK sent, for assertions on what went over the wire. */
  readonly sent: { method: string; url: string; headers: Record<string, string> }[] = [];

  constructor(private readonly clock: Clock) {}

  /** An axios adapter behaving like the XHR adapter in a page served from the API's origin. */
  readonly adapter = async (config: AxiosConfig) => {
    const url = buildURL(buildFullPath(config.baseURL, config.url), config.params, config.paramsSerializer) as string;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers ?? {}))
      if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value);
    // As axios' XHR adapter does: the browser writes the multipart Content-Type with its boundary.
    if (config.data instanceof FormData)
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    const cookie = await this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    const method = config.method.toUpperCase();
    this.sent.push({ method, url, headers: { ...headers } });
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: config.data as BodyInit | undefined });
    } catch (_err) {
      throw createError('Network Error', config, null, undefined);
    }
    for (const line of res.headers.getSetCookie()) await this.jar.setCookie(line, url, { now: this.clock.now() });
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    const response = {
      data: await res.text(),
      status: res.status,
      statusText: res.statusText,
      headers: responseHeaders,
      config,
      request: {},
    };
    return new Promise((resolve, reject) => settle(resolve, reject, response));
  };

  /** The live cookies for `url`; tough-cookie checks expiry against the wall clock, so the check is done here. */
  async cookies(url: string) {
    const now = this.clock.now().getTime();
    return (await this.jar.getCookies(url, { expire: false })).filter((c) => {
      const expiry = c.expiryTime();
      return expiry === undefined || expiry > now;
    });
  }

  /** The Cookie header a browser would send to `url`. */
  async cookieHeader(url: string): Promise<string> {
    return (await this.cookies(url)).map((c) => c.cookieString()).join('; ');
  }

  /** Names of the cookies the browser holds for `url`. */
  async cookieNames(url: string): Promise<string[]> {
    return (await this.cookies(url)).map((c) => c.key);
  }

  /** Installs the adapter as axios' default, which every axios.create() in the SDK copies. */
  install(): void {
    axios.defaults.adapter = this.adapter;
  }
}

/** window.localStorage, in memory. */
export class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}
