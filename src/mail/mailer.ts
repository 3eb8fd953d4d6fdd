import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { CoreLog } from '../core/log.js';
import type { Background } from '../core/background.js';
import type { Config } from '../config/load.js';
import { renderMail, type MailKind, type MailVars } from './templates.js';

export interface Mailer {
  /** Renders and delivers; rejects when delivery fails. */
  send(kind: MailKind, to: string, locale: string | null, vars: MailVars): Promise<void>;
  /** Delivers in the background (the answer must not depend on it); failures are logged. */
  queue(kind: MailKind, to: string, locale: string | null, vars: MailVars): void;
  describe: string;
  close(): void;
}

/**
 * SMTP when SMTP_HOST is set; otherwise .eml files (and a plain .txt beside each) in DATA_DIR/outbox, so a newcomer can
 * open the links.
 */
export function createMailer(config: Config, log: CoreLog, background: Background): Mailer {
  const { smtp, sender, templatesDir } = config.mail;
  const outbox = path.join(config.dataDir, 'outbox');
  // nodemailer is loaded with the first mail: a CLI call that sends none never pays for it.
  let made: Transporter | undefined;
  const transport = (): Transporter => {
    if (made) return made;
    const { createTransport } = createRequire(import.meta.url)('nodemailer') as typeof nodemailer;
    made = smtp
      ? createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return made;
  };
  let counter = 0;

  async function send(kind: MailKind, to: string, locale: string | null, vars: MailVars) {
    const mail = await renderMail(templatesDir, kind, locale, vars);
    const info = await transport().sendMail({
      from: sender,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    if (!smtp) {
      await mkdir(outbox, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${++counter}-${kind}.eml`;
      await writeFile(path.join(outbox, name), (info as { message: Buffer }).message, { mode: 0o600 });
      // The .eml is quoted-printable (a copied link would read "ticket=3D…"): the text beside it is plain.
      await writeFile(
        path.join(outbox, name.replace(/\.eml$/, '.txt')),
        `To: ${to}\nSubject: ${mail.subject}\n\n${mail.text}\n`,
        { mode: 0o600 },
      );
    }
  }

  return {
    send,
    queue(kind, to, locale, vars) {
      background.run(() =>
        send(kind, to, locale, vars).catch((err: Error) =>
          log.error({ kind, err: { message: err.message } }, 'email delivery failed'),
        ),
      );
    },
    describe: smtp ? `SMTP ${smtp.host}:${smtp.port}` : `the outbox folder ${outbox} (no SMTP_HOST set)`,
    close: () => made?.close(),
  };
}
