import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** The lines of a file (or `-`: standard input), one at a time, with their numbers; blank lines left out. */
export async function* linesOf(from: string, stdin: NodeJS.ReadableStream): AsyncGenerator<[number, string]> {
  const input = from === '-' ? stdin : createReadStream(from, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim()) yield [n, line];
  }
}
