import { CookieJar } from 'tough-cookie';

/** What a browser shows: a page (with its forms' actions) or the redirect back to a relying party. */
export interface Shown {
  url: string;
  status: number;
  html: string;
  /** Form actions in page order, absolute. */
  forms: string[];
}

/**
 * A minimal browser over fetch: a cookie jar, redirects followed by hand (so the stop at the relying party's
 * callback is seen), forms posted with their page's origin. For the sign-in and consent pages, which need
 * no script; the Apache test uses Chromium.
 */
export function createBrowser() {
  const jar = new CookieJar();

  async function go(url: string, init: RequestInit = {}, stopAt?: string): Promise<Shown> {
    let current = url;
    let request = init;
    for (let hops = 0; hops < 20; hops++) {
      const cookie = await jar.getCookieString(current);
      const res = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: { ...(request.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
      });
      for (const c of res.headers.getSetCookie()) await jar.setCookie(c, current);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).href;
        request = {};
        if (stopAt && current.startsWith(stopAt)) return { url: current, status: res.status, html: '', forms: [] };
        continue;
      }
      const html = await res.text();
      const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map(
        (m) => new URL(m[1]!.replace(/&#38;/g, '&'), current).href,
      );
      return { url: current, status: res.status, html, forms };
    }
    throw new Error('too many redirects');
  }

  return {
    jar,
    get: (url: string, stopAt?: string) => go(url, {}, stopAt),
    /** Posts a form as the page at `from` would (its Origin). */
    post: (action: string, fields: Record<string, string>, stopAt?: string, origin = new URL(action).origin) =>
      go(
        action,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams(fields).toString(),
        },
        stopAt,
      ),
  };
}

export type Browser = ReturnType<typeof createBrowser>;
