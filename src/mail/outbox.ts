import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';

/** Names the mailer writes (`<ISO time>-<n>-<kind>.eml`); anything else in the folder is ignored. */
export const OUTBOX_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.eml$';
const NAME = new RegExp(OUTBOX_NAME);
/** Mails listed at most, newest first: the outbox is a development aid, not an archive. */
const LIST_LIMIT = 200;

export interface OutboxEntry {
  name: string;
  at: Date;
  size: number;
  to: string;
  subject: string;
}
export interface OutboxMail extends OutboxEntry {
  from: string;
  text: string;
  html: string | null;
  /** The http(s) links of the mail, in order of appearance, each once. */
  links: string[];
}

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? '');
const linksIn = (text: string) => [...new Set(text.match(/https?:\/\/[^\s<>"')]+/g) ?? [])];

/** Reads the embedded mode's outbox folder (DATA_DIR/outbox), where mails go when no SMTP server is set. */
export function createOutbox(dir: string) {
  async function parse(name: string): Promise<OutboxMail | undefined> {
    if (!NAME.test(name)) return undefined;
    const file = path.join(dir, name);
    let raw: Buffer;
    let at: Date;
    try {
      [raw, at] = await Promise.all([readFile(file), stat(file).then((s) => s.mtime)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const mail = await simpleParser(raw);
    const text = mail.text ?? '';
    return {
      name,
      at,
      size: raw.length,
      to: addresses(mail.to),
      from: addresses(mail.from),
      subject: mail.subject ?? '',
      text,
      html: typeof mail.html === 'string' ? mail.html : null,
      links: linksIn(text),
    };
  }

  return {
    dir,
    /** The newest mails first. An outbox that does not exist yet is empty. */
    async list(): Promise<OutboxEntry[]> {
      const names = await readdir(dir).catch((err: NodeJS.ErrnoException) =>
        err.code === 'ENOENT' ? [] : Promise.reject(err),
      );
      const stats = await Promise.all(
        names
          .filter((n) => NAME.test(n))
          .map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })),
      );
      stats.sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name, 'en', { numeric: true }));
      const mails = await Promise.all(stats.slice(0, LIST_LIMIT).map((s) => parse(s.name)));
      return mails
        .filter((m): m is OutboxMail => m !== undefined)
        .map(({ name, at, size, to, subject }) => ({ name, at, size, to, subject }));
    },
    read: parse,
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
