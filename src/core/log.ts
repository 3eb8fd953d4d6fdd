import type { Logger } from 'pino';

/** What the core writes to a log: warnings and errors. The server passes its pino logger. */
export type CoreLog = Pick<Logger, 'warn' | 'error'>;
