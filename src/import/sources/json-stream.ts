import { JSONParser } from '@streamparser/json';

/**
 * The values at `paths` (JSONPath as `@streamparser/json` takes them: `$.users.*`, `$.*`, `$.realm`) of one JSON
 * document read from `input` a chunk at a time: each value is handed out as soon as it is complete, and the
 * parser keeps no reference to it (`keepStack: false`), so memory holds one chunk and one value, whatever the
 * size of the file. Throws on malformed or truncated JSON.
 */
export async function* streamedValues(
  input: AsyncIterable<string | Uint8Array>,
  paths: string[],
): AsyncGenerator<{ key: string | number | undefined; value: unknown }> {
  const parser = new JSONParser({ paths, keepStack: false });
  let found: { key: string | number | undefined; value: unknown }[] = [];
  parser.onValue = ({ key, value }) => void found.push({ key, value });
  for await (const chunk of input) {
    if (parser.isEnded) {
      if (String(chunk).trim()) throw new Error('data after the end of the JSON document');
      continue;
    }
    parser.write(chunk);
    if (found.length) {
      const ready = found;
      found = [];
      yield* ready;
    }
  }
  if (!parser.isEnded) parser.end();
  yield* found;
}
