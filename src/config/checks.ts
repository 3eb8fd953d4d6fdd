/** Checks of setting values shared by the schema's parts: each answers an error message, or undefined. */

export const checkDatabaseUrl = (v: string) =>
  /^(postgres|postgresql):\/\/.+/.test(v) || /^sqlite:.+/.test(v)
    ? undefined
    : 'must start with postgres://, postgresql:// or sqlite:';

export const checkUrl = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return `must be an absolute URL, got "${v}"`;
  }
};

export const checkOrigins = (v: string) => {
  for (const o of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (o === '*') continue;
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      return `"${o}" is not an origin like https://app.example.com`;
    }
    if (!['http:', 'https:'].includes(u.protocol) || u.origin !== o.replace(/\/$/, ''))
      return `"${o}" is not an origin like https://app.example.com (scheme, host and port only)`;
  }
  return undefined;
};
