import type { Env } from './load.js';

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      best = Math.min(best, row[j]!);
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/** Prefixes other software sets in a shell or container, shared with no Gatehouse setting worth guarding. */
const FOREIGN_PREFIXES = new Set(['NODE', 'NPM', 'LC', 'XDG', 'SSH', 'MAX', 'MIN', 'DEFAULT', 'ALLOWED']);

/** First words that two or more settings share (`SMTP`, `JWT`, `STORAGE`…): a variable starting so is ours. */
export function knownPrefixes(known: Iterable<string>): Set<string> {
  const counts = new Map<string, number>();
  for (const name of known) {
    const first = name.split('_')[0]!;
    if (first !== name) counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return new Set([...counts].filter(([p, n]) => n >= 2 && !FOREIGN_PREFIXES.has(p)).map(([p]) => p));
}

/** How far a name may be from a setting to be taken for a misspelling of it. */
const tolerance = (name: string) => (name.length < 5 ? 0 : name.length < 10 ? 1 : 2);

/** The closest setting within the tolerance, if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = tolerance(name) + 1;
  for (const k of known) {
    const d = editDistance(name, k, bestDistance - 1);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * Variables of `env` that Gatehouse does not read but that look like its own: they start with one of its
 * prefixes (`SMTP_HOSTT`) or are a letter or two away from a setting (`PROT`). One line each, with the
 * nearest setting as a suggestion when there is one. `known` has every name read (aliases too), `settings` the
 * settings' own names (their shared first words are the prefixes).
 */
export function unknownVariables(env: Env, known: ReadonlySet<string>, settings: readonly string[]): string[] {
  const names = [...known];
  const prefixes = knownPrefixes(settings);
  const found: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name) || env[name] === undefined) continue;
    const prefix = name.split('_')[0]!;
    const suggestion = closest(name, names);
    if (suggestion === undefined && !(prefix !== name && prefixes.has(prefix))) continue;
    found.push(
      suggestion
        ? `${name} is not a Gatehouse setting; did you mean ${suggestion}?`
        : `${name} is not a Gatehouse setting (see docs/configuration.md for the ${prefix}_ settings)`,
    );
  }
  return found;
}
