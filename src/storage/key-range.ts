/**
 * The smallest string greater than every string that starts with `prefix`, in code-point order
 * (UTF-8 byte order: PostgreSQL's "C" collation and SQLite's BINARY): `key >= prefix and key < bound`
 * is then exactly "key starts with prefix", and a B-tree answers it with a range scan, which
 * `like 'prefix%'` does not get under a non-C collation. Undefined when there is no such string
 * (a prefix of only U+10FFFF): the range is then open above.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === 0x10ffff) continue;
    // The surrogate range holds no characters: the code point after U+D7FF is U+E000.
    points.push(last === 0xd7ff ? 0xe000 : last + 1);
    return String.fromCodePoint(...points);
  }
  return undefined;
}
