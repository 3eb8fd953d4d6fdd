import type { Readable } from 'node:stream';

/**
 * Reads `stream` whole when it holds at most `max` bytes; otherwise hands it back as a
 * stream, with what was read put back in front, so nothing is read twice and a large
 * object is never held in memory.
 */
export async function smallOrStream(stream: Readable, max: number): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk) {
      chunks.push(chunk);
      total += chunk.length;
      if (total > max) break;
      continue;
    }
    if (stream.readableEnded || (await nextEvent(stream)) === 'end') return Buffer.concat(chunks, total);
  }
  for (const c of chunks.reverse()) stream.unshift(c);
  return stream;
}

function nextEvent(stream: Readable): Promise<'readable' | 'end'> {
  return new Promise((resolve, reject) => {
    const done = (what: 'readable' | 'end') => () => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', onError);
      resolve(what);
    };
    const onReadable = done('readable');
    const onEnd = done('end');
    const onError = (err: Error) => {
      stream.off('readable', onReadable).off('end', onEnd);
      reject(err);
    };
    stream.once('readable', onReadable).once('end', onEnd).once('error', onError);
  });
}
