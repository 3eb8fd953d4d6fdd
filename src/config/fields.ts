/**
 * Typed descriptors for environment variables. Each descriptor knows how to parse
 * its raw string, its default and its documentation, so that validation and the
 * configuration reference in docs/configuration.md come from the same source.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface Field<T> {
  kind: string;
  doc: string;
  /** Shown in the docs; `undefined` means "no default". */
  defaultLabel?: string;
  /** Extra names accepted for the same setting (HBP compatibility). */
  aliases?: string[];
  secret?: boolean;
  parse(raw: string): Parsed<T>;
  fallback: (() => T) | undefined;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

interface Common<T> {
  doc: string;
  default?: T;
  aliases?: string[];
  secret?: boolean;
}

function withDefault<T>(opts: Common<T>, label: (v: T) => string) {
  const value = opts.default;
  return {
    doc: opts.doc,
    aliases: opts.aliases,
    secret: opts.secret,
    defaultLabel: value === undefined ? undefined : label(value),
    fallback: value === undefined ? undefined : () => value,
  };
}

export function str(opts: Common<string> & { pattern?: RegExp; hint?: string }): Field<string> {
  return {
    kind: 'string',
    ...withDefault(opts, (v) => (v === '' ? '(empty)' : v)),
    parse: (raw) =>
      opts.pattern && !opts.pattern.test(raw) ? bad(opts.hint ?? `must match ${opts.pattern}`) : ok(raw),
  };
}

export function optionalStr(opts: {
  doc: string;
  secret?: boolean;
  hint?: string;
  check?: (v: string) => string | undefined;
}): Field<string | undefined> {
  return {
    kind: 'string',
    doc: opts.doc,
    secret: opts.secret,
    fallback: () => undefined,
    parse: (raw) => {
      const problem = opts.check?.(raw);
      return problem ? bad(problem) : ok(raw);
    },
  };
}

export function int(opts: Common<number> & { min: number; max: number }): Field<number> {
  return {
    kind: `integer ${opts.min}..${opts.max}`,
    ...withDefault(opts, String),
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return bad(`must be a whole number, got "${raw}"`);
      const n = Number(raw);
      if (n < opts.min || n > opts.max) return bad(`must be between ${opts.min} and ${opts.max}, got ${n}`);
      return ok(n);
    },
  };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function bool(opts: Common<boolean>): Field<boolean> {
  return {
    kind: 'boolean',
    ...withDefault(opts, String),
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return ok(true);
      if (FALSE.has(v)) return ok(false);
      return bad(`must be true or false, got "${raw}"`);
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[], opts: Common<V>): Field<V> {
  return {
    kind: values.join(' | '),
    ...withDefault(opts, String),
    parse: (raw) =>
      (values as readonly string[]).includes(raw)
        ? ok(raw as V)
        : bad(`must be one of ${values.join(', ')}, got "${raw}"`),
  };
}

const ROLE = /^[A-Za-z0-9_-]{1,64}$/;

export function roleList(opts: Common<string[]>): Field<string[]> {
  return {
    kind: 'comma-separated list',
    ...withDefault(opts, (v) => v.join(',')),
    parse: (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const wrong = items.filter((r) => !ROLE.test(r));
      return wrong.length ? bad(`invalid names: ${wrong.join(', ')} (letters, digits, _ and - only)`) : ok(items);
    },
  };
}

export function choiceList<const V extends string>(values: readonly V[], opts: Common<V[]>): Field<V[]> {
  return {
    kind: `comma-separated list of ${values.join(', ')}`,
    ...withDefault(opts, (v) => v.join(',')),
    parse: (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const wrong = items.filter((i) => !(values as readonly string[]).includes(i));
      return wrong.length ? bad(`unknown: ${wrong.join(', ')} (known: ${values.join(', ')})`) : ok(items as V[]);
    },
  };
}
