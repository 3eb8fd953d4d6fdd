import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';

export type MailKind =
  | 'activate'
  | 'magic-link'
  | 'reset-password'
  | 'change-email'
  | 'email-changed'
  | 'email-change-undo'
  | 'email-code';

export interface MailVars {
  link?: string;
  ticket?: string;
  email: string;
  display_name?: string | null;
  new_email?: string;
  expires_minutes?: number;
}

interface Template {
  subject: string;
  text: string;
  html: string;
}

const BUILT_IN: Record<MailKind, Template> = {
  activate: {
    subject: 'Activate your account',
    text:
      'Hello {{display_name}},\n\nopen this link to activate your account ({{expires_minutes}} ' +
      'minutes):\n{{{link}}}\n\nIf you did not register, ignore this email.',
    html:
      '<p>Hello {{display_name}},</p><p><a href="{{link}}">Activate your account</a> (valid {{expires_minutes}} ' +
      'minutes).</p><p>If you did not register, ignore this email.</p>',
  },
  'email-code': {
    subject: 'Your sign-in code',
    text:
      'Hello {{display_name}},\n\nyour sign-in code is {{ticket}} ({{expires_minutes}} minutes, once).\n\n' +
      'If you did not ask for it, ignore this email.',
    html:
      '<p>Hello {{display_name}},</p><p>Your sign-in code is <strong>{{ticket}}</strong> ' +
      '(valid {{expires_minutes}} minutes, once).</p><p>If you did not ask for it, ignore this email.</p>',
  },
  'magic-link': {
    subject: 'Your sign-in link',
    text:
      'Hello {{display_name}},\n\nopen this link to sign in ({{expires_minutes}} minutes, ' +
      'once):\n{{{link}}}\n\nIf you did not ask for it, ignore this email.',
    html:
      '<p>Hello {{display_name}},</p><p><a href="{{link}}">Sign in</a> (valid {{expires_minutes}} minutes, ' +
      'once).</p><p>If you did not ask for it, ignore this email.</p>',
  },
  'reset-password': {
    subject: 'Reset your password',
    text:
      'Hello {{display_name}},\n\nopen this link to choose a new password ({{expires_minutes}} minutes, ' +
      'once):\n{{{link}}}\n\nTicket: {{ticket}}\n\nIf you did not ask for it, ignore this email; your password ' +
      'stays as it is.',
    html:
      '<p>Hello {{display_name}},</p><p><a href="{{link}}">Choose a new password</a> (valid {{expires_minutes}} ' +
      'minutes, once).</p><p>If you did not ask for it, ignore this email; your password stays as it is.</p>',
  },
  'change-email': {
    subject: 'Confirm your new email address',
    text:
      'Hello {{display_name}},\n\nopen this link to make {{new_email}} the address of your account ' +
      '({{expires_minutes}} minutes):\n{{{link}}}\n\nTicket: {{ticket}}',
    html:
      '<p>Hello {{display_name}},</p><p><a href="{{link}}">Confirm {{new_email}}</a> as the address of your ' +
      'account (valid {{expires_minutes}} minutes).</p>',
  },
  'email-changed': {
    subject: 'Your email address was changed',
    text:
      'Hello {{display_name}},\n\nthe address of your account was changed from {{email}} to {{new_email}}.\nIf ' +
      'you did not do this, contact us at once.',
    html:
      '<p>Hello {{display_name}},</p><p>The address of your account was changed from {{email}} to {{new_email}}. ' +
      'If you did not do this, contact us at once.</p>',
  },
  'email-change-undo': {
    subject: 'Your email address was changed',
    text:
      'Hello {{display_name}},\n\nthe address of your account was changed from {{email}} to {{new_email}}.\n' +
      'If you did not do this, open this link to change it back and sign everyone out ' +
      '({{expires_minutes}} minutes, once):\n' +
      '{{{link}}}\n\nTicket: {{ticket}}',
    html:
      '<p>Hello {{display_name}},</p><p>The address of your account was changed from {{email}} to {{new_email}}.</p>' +
      '<p>If you did not do this, <a href="{{link}}">change it back and sign everyone out</a> ' +
      '(valid {{expires_minutes}} minutes, once).</p>',
  },
};

const PARTS = { subject: 'subject.txt', text: 'txt', html: 'html' } as const;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes what HTML needs escaped, and no more: links stay readable in the source. */
const escapeHtml = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

async function readOverride(
  dir: string | undefined,
  locale: string | null | undefined,
  kind: MailKind,
  part: keyof Template,
) {
  if (!dir) return undefined;
  // Locales come from user data: only a plain tag may become part of a path.
  const folders = locale && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(locale) ? [locale, ''] : [''];
  for (const folder of folders) {
    const text = await readFile(path.join(dir, folder, `${kind}.${PARTS[part]}`), 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Renders a mail kind: overrides from EMAIL_TEMPLATES_DIR (per locale first), else the built-in English text. */
export async function renderMail(
  dir: string | undefined,
  kind: MailKind,
  locale: string | null | undefined,
  vars: MailVars,
) {
  const out = {} as Template;
  for (const part of Object.keys(PARTS) as (keyof Template)[]) {
    const template = (await readOverride(dir, locale, kind, part)) ?? BUILT_IN[kind][part];
    // {{…}} is escaped in HTML; the text parts have nothing to escape.
    out[part] = Mustache.render(template, vars, {}, { escape: part === 'html' ? escapeHtml : String });
  }
  out.subject = out.subject.trim();
  return out;
}
