import type { ComponentChildren } from 'preact';
import { api } from '../api';
import { href } from '../router';
import { Facts, Table } from '../table';
import { bytes, Page, Problem, useLoad, when } from '../ui';

interface Entry {
  name: string;
  at: string;
  size: number;
  to: string;
  subject: string;
}
interface Mail extends Entry {
  from: string;
  text: string;
  html: string | null;
  links: string[];
}

export function OutboxPage({ name }: { name?: string }) {
  return name ? <MailView name={name} /> : <OutboxList />;
}

function OutboxList() {
  const outbox = useLoad(() => api<{ mode: 'outbox' | 'smtp'; entries: Entry[] }>('GET', '/admin/outbox'), []);
  return (
    <Page title="Outbox">
      <Problem error={outbox.error} what="The outbox view" />
      {outbox.data?.mode === 'smtp' ? <p>Mails go out through SMTP (SMTP_HOST is set): there is no outbox.</p> : null}
      {outbox.data?.mode === 'outbox' ? (
        <>
          <p>Without SMTP_HOST, every mail is written to DATA_DIR/outbox. Newest first.</p>
          <Table
            striped
            rows={outbox.data.entries}
            rowKey={(m) => m.name}
            empty="The outbox is empty."
            columns={[
              { head: 'Written', cell: (m) => when(m.at) },
              { head: 'To', cell: (m) => m.to },
              { head: 'Subject', cell: (m) => <a href={href(['outbox', m.name])}>{m.subject || m.name}</a> },
              { head: 'Size', cell: (m) => bytes(m.size) },
            ]}
          />
        </>
      ) : null}
    </Page>
  );
}

/** The text part with its links made clickable (they open in a new tab, so the console stays signed in). */
function linked(text: string, links: string[]): ComponentChildren[] {
  if (links.length === 0) return [text];
  const pattern = new RegExp(`(${links.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  return text.split(pattern).map((part, i) =>
    links.includes(part) ? (
      <a key={i} href={part} target="_blank" rel="noopener noreferrer">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

function MailView({ name }: { name: string }) {
  const mail = useLoad(() => api<Mail>('GET', `/admin/outbox/${encodeURIComponent(name)}`), [name]);
  const m = mail.data;
  return (
    <Page title={m?.subject || 'Mail'} actions={<a href={href(['outbox'])}>Back to the outbox</a>}>
      <Problem error={mail.error} what="The outbox view" />
      {m ? (
        <article class="mail">
          <Facts
            rows={[
              ['From', m.from],
              ['To', m.to],
              ['Written', when(m.at)],
            ]}
          />
          <pre class="mail-text">{linked(m.text, m.links)}</pre>
        </article>
      ) : null}
    </Page>
  );
}
