import type { CliIo } from './context.js';

type TerminalIn = CliIo['stdin'] & { setRawMode?: (raw: boolean) => unknown; isTTY?: boolean };

/** Asks on stderr and reads one line from a terminal without echoing it (raw mode: nothing is shown). */
function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin as TerminalIn;
  // Echo off before the question shows: an answer typed (or sent) the moment it appears is never echoed.
  stdin.setRawMode?.(true);
  io.stderr.write(question);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new Error('Cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAll(stdin: CliIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * A password: on a terminal, asked without echo (twice for a new one, which must match); otherwise read from
 * standard input (a pipe, a file), so scripts keep working and nothing lands in the shell's history.
 */
export async function readPassword(io: CliIo, opts: { confirm: boolean }): Promise<string> {
  if (!(io.stdin as TerminalIn).isTTY) return readAll(io.stdin);
  const first = await promptHidden(io, 'Password: ');
  if (!first) throw new Error('No password given');
  if (opts.confirm && (await promptHidden(io, 'Password again: ')) !== first) throw new Error('The passwords differ');
  return first;
}
