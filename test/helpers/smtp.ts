import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Every http(s) link of the text part. */
  links: string[];
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
export async function startSmtp() {
  const inbox: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((parsed: ParsedMail) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
          const text = parsed.text ?? '';
          inbox.push({
            to: to ?? '',
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            links: text.match(/https?:\/\/[^\s>]+/g) ?? [],
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;

  return {
    port,
    inbox,
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_SECURE: 'false',
      SMTP_SENDER: 'Gatehouse <auth@example.com>',
    },
    /** The next mail to `to` whose subject matches, waiting for it to arrive (at most 5 s). */
    async waitFor(to: string, subject?: RegExp): Promise<Mail> {
      for (let i = 0; i < 250; i++) {
        const index = inbox.findIndex(
          (m) => m.to.toLowerCase() === to.toLowerCase() && (!subject || subject.test(m.subject)),
        );
        if (index >= 0) return inbox.splice(index, 1)[0]!;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''}`);
    },
    /** True when no mail to `to` arrived within `ms`. */
    async nothingFor(to: string, ms = 300): Promise<boolean> {
      await new Promise((r) => setTimeout(r, ms));
      return !inbox.some((m) => m.to.toLowerCase() === to.toLowerCase());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Smtp = Awaited<ReturnType<typeof startSmtp>>;

/** One SMTP server for the suite; register it before useTestApp so the app can read its port. */
export function useSmtp(): () => Smtp {
  let smtp: Smtp | undefined;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp?.close());
  return () => smtp!;
}
