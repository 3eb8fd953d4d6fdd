import path from 'node:path';
import { bool, int, oneOf, optionalStr, type Field } from './fields.js';

/** A loose address check for a variable; the core checks the address again when it creates the admin. */
const checkEmail = (v: string) => (/^[^\s@]+@[^\s@]+$/.test(v) ? undefined : `not an email address: "${v}"`);

/** First run, logs and configuration checks: what an operator meets before anything else. */
export const OPERATOR_FIELDS = {
  LOG_FORMAT: oneOf(['auto', 'pretty', 'json'], {
    doc:
      'Log lines as `json` (one object a line) or `pretty` (readable, coloured); ' +
      '`auto` is pretty when standard output is a terminal, JSON otherwise.',
    default: 'auto',
  }),
  STRICT_CONFIG: bool({
    doc:
      'Refuse to start when the environment holds a variable that looks like a misspelt Gatehouse setting ' +
      '(otherwise a warning).',
    default: false,
  }),
  GATEHOUSE_ADMIN_EMAIL: optionalStr({
    doc:
      'With `GATEHOUSE_ADMIN_PASSWORD_FILE`: at start, when no user has the `admin` role, create this one ' +
      '(for containers and scripts; no setup link is printed then).',
    check: checkEmail,
  }),
  GATEHOUSE_ADMIN_PASSWORD_FILE: optionalStr({
    doc:
      "File holding the first admin's password (a Docker or Kubernetes secret; a trailing newline is ignored). " +
      'Read only when the admin is created.',
  }),
  SETUP_LINK_MINUTES: int({
    doc: 'How long the first-run setup link (printed at start while no admin and no `ADMIN_SECRET` exist) stays valid.',
    default: 60,
    min: 1,
    max: 1440,
  }),
  SETUP_ALLOW_REMOTE: bool({
    doc:
      'Accept the first-run setup link from any address, not only from the server itself (loopback). ' +
      'Only for a server reached through a tunnel or a container port.',
    default: false,
  }),
} satisfies Record<string, Field<unknown>>;

export interface OperatorConfig {
  logFormat: 'auto' | 'pretty' | 'json';
  strict: boolean;
  /** Created at start when no admin exists (`GATEHOUSE_ADMIN_EMAIL` + `GATEHOUSE_ADMIN_PASSWORD_FILE`). */
  bootstrapAdmin: { email: string; passwordFile: string } | undefined;
  setup: { minutes: number; allowRemote: boolean };
}

type OperatorRaw = {
  LOG_FORMAT: 'auto' | 'pretty' | 'json';
  STRICT_CONFIG: boolean;
  GATEHOUSE_ADMIN_EMAIL: string | undefined;
  GATEHOUSE_ADMIN_PASSWORD_FILE: string | undefined;
  SETUP_LINK_MINUTES: number;
  SETUP_ALLOW_REMOTE: boolean;
};

/** The parsed settings; a half-given bootstrap admin is a problem, not a silent no-op. */
export function operatorConfig(raw: OperatorRaw, problems: string[]): OperatorConfig {
  const email = raw.GATEHOUSE_ADMIN_EMAIL;
  const file = raw.GATEHOUSE_ADMIN_PASSWORD_FILE;
  if ((email === undefined) !== (file === undefined)) {
    const [given, missing] =
      email === undefined
        ? ['GATEHOUSE_ADMIN_PASSWORD_FILE', 'GATEHOUSE_ADMIN_EMAIL']
        : ['GATEHOUSE_ADMIN_EMAIL', 'GATEHOUSE_ADMIN_PASSWORD_FILE'];
    problems.push(`${given}: needs ${missing} too`);
  }
  return {
    logFormat: raw.LOG_FORMAT,
    strict: raw.STRICT_CONFIG,
    bootstrapAdmin: email && file ? { email, passwordFile: path.resolve(file) } : undefined,
    setup: { minutes: raw.SETUP_LINK_MINUTES, allowRemote: raw.SETUP_ALLOW_REMOTE },
  };
}
