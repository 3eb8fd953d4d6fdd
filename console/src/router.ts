import { useEffect, useState } from 'preact/hooks';

/** Hash routes (#/users/…): the server serves one static page, and deep links still work. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = () => setRoute(parse());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The href of a console page; segments are encoded. */
export function href(parts: string[], query?: Record<string, string>): string {
  const q = query && new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

export const go = (parts: string[], query?: Record<string, string>) => {
  location.hash = href(parts, query);
};
