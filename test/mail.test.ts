import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { startSmtp, type Smtp } from './helpers/smtp.js';

describe.each(DATABASES)('emails without SMTP (outbox) on %s', (db) => {
  const get = useTestApp(db, { AUTO_ACTIVATE_NEW_USERS: 'false', SERVER_URL: 'http://localhost:3000' });

  it('writes each email as an .eml file in DATA_DIR/outbox, and says so at start', async () => {
    const t = get();
    expect(t.logs.join('\n')).toContain(`emails go to the outbox folder ${path.join(t.config.dataDir, 'outbox')}`);
    const email = uniqueEmail('outbox');
    await t.request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
    const dir = path.join(t.config.dataDir, 'outbox');
    let files: string[] = [];
    for (let i = 0; i < 100 && files.length < 2; i++) {
      files = (await readdir(dir).catch(() => [])).sort();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/-activate\.eml$/);
    // Regression: links copied from the quoted-printable .eml read "ticket=3D…"; the .txt beside it is plain.
    expect(files[1]).toBe(files[0]!.replace(/\.eml$/, '.txt'));
    const txt = await readFile(path.join(dir, files[1]!), 'utf8');
    expect(txt).toContain(`To: ${email}\nSubject: Activate your account\n`);
    expect(txt).toMatch(/\nhttp:\/\/localhost:3000\/auth\/activate\?ticket=[A-Za-z0-9_-]{43}\n/);
    expect((await stat(path.join(dir, files[1]!))).mode & 0o777).toBe(0o600);
    const eml = await simpleParser(await readFile(path.join(dir, files[0]!)));
    expect(eml.to).toMatchObject({ text: email });
    expect(eml.text).toMatch(/http:\/\/localhost:3000\/auth\/activate\?ticket=[A-Za-z0-9_-]{43}/);
    expect((await stat(path.join(dir, files[0]!))).mode & 0o777).toBe(0o600);
  });
});

describe.each(DATABASES)('email templates from EMAIL_TEMPLATES_DIR on %s', (db) => {
  let smtp: Smtp;
  let dir: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-templates-'));
    await mkdir(path.join(dir, 'fr'));
    await writeFile(path.join(dir, 'fr', 'activate.subject.txt'), 'Activez votre compte\n');
    await writeFile(path.join(dir, 'fr', 'activate.txt'), 'Bonjour {{display_name}}, cliquez : {{{link}}}');
    await writeFile(path.join(dir, 'activate.subject.txt'), 'Welcome aboard');
  });
  afterAll(async () => {
    await smtp.close();
    await rm(dir, { recursive: true, force: true });
  });
  const get = useTestApp(db, () => ({ ...smtp.env, AUTO_ACTIVATE_NEW_USERS: 'false', EMAIL_TEMPLATES_DIR: dir }));

  it('uses the user’s locale first, then the folder’s default, then the built-in text', async () => {
    const t = get();
    const fr = uniqueEmail('fr');
    await t.request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: fr, password: PASSWORD, user_data: { locale: 'fr', display_name: 'Zoé <b>' } },
    });
    const frMail = await smtp.waitFor(fr);
    expect(frMail.subject).toBe('Activez votre compte');
    expect(frMail.text).toMatch(/^Bonjour Zoé <b>, cliquez : http:\/\/localhost:3000\/auth\/activate\?ticket=/);
    expect(frMail.html).toContain('Zoé &lt;b&gt;'); // built-in HTML part, escaped

    const en = uniqueEmail('en');
    await t.request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: en, password: PASSWORD, user_data: { locale: '../../etc' } },
    });
    const enMail = await smtp.waitFor(en);
    expect(enMail.subject).toBe('Welcome aboard');
    expect(enMail.text).toContain('activate your account');
  });
});
