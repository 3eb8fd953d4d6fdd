import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

/** The lines of a file (or `-`: standard input), one at a time, with their numbers; blank lines left out. */
export function linesOf(from: string, stdin: NodeJS.ReadableStream): AsyncGenerator<[number, string]> {
  return linesIn(from === '-' ? stdin : createReadStream(from, { encoding: 'utf8' }));
}

/** The lines of a stream, one at a time, with their numbers; blank lines left out. */
export async function* linesIn(input: NodeJS.ReadableStream): AsyncGenerator<[number, string]> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim()) yield [n, line];
  }
}

/**
 * A file (or `-`: standard input) whose first non-blank character tells its shape: that character, and the whole
 * input as a stream again (nothing read is lost, nothing more than the first chunks is held).
 */
export async function peeked(from: string, stdin: NodeJS.ReadableStream) {
  const source = (from === '-' ? stdin : createReadStream(from)) as AsyncIterable<Buffer | string>;
  const it = source[Symbol.asyncIterator]();
  const head: (Buffer | string)[] = [];
  let first = '';
  while (!first) {
    const next = await it.next();
    if (next.done) break;
    head.push(next.value);
    first = String(next.value).trimStart().charAt(0);
  }
  async function* again() {
    yield* head;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return { first, input: Readable.from(again(), { objectMode: false }) };
}
