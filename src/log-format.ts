import type { DestinationStream } from 'pino';

/** Whether LOG_FORMAT asks for readable lines: `pretty`, or `auto` with standard output on a terminal. */
export const wantsPretty = (format: 'auto' | 'pretty' | 'json', isTTY = process.stdout.isTTY === true) =>
  format === 'pretty' || (format === 'auto' && isTTY);

/**
 * pino-pretty's stream to standard output when the format is readable lines, else undefined (JSON, pino's
 * own fast destination). Loaded only then: a JSON server never imports it.
 */
export async function prettyLogStream(format: 'auto' | 'pretty' | 'json'): Promise<DestinationStream | undefined> {
  if (!wantsPretty(format)) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
    destination: 1,
  });
}
