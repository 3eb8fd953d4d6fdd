import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './ports.js';

const run = promisify(execFile);
export const BASE = 'dc=example,dc=org';
export const ADMIN_DN = `cn=admin,${BASE}`;
export const ADMIN_PASSWORD = 'slapd-admin-secret';
export const PEOPLE = `ou=people,${BASE}`;
export const GROUPS = `ou=groups,${BASE}`;
/** The service account Gatehouse searches as. */
export const SERVICE = { dn: `cn=gatehouse,${BASE}`, password: 'service-secret' };

/** One inetOrgPerson under PEOPLE: password `<uid>-password`, cn `<Uid> Example`, mail `<uid>@example.org` unless null. */
export const person = (uid: string, mail: string | null = `${uid}@example.org`, extra = '') => `dn: uid=${uid},${PEOPLE}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid[0]!.toUpperCase()}${uid.slice(1)} Example
sn: Example
${mail ? `mail: ${mail}\n` : ''}userPassword: ${uid}-password
${extra}`;

/** The seed LDIF: the base, ou=people and ou=groups, the service account, `people` (person() entries) and groups (cn → member uids). */
export function seedLdif(people: string[], groups: Record<string, string[]> = {}): string {
  const ou = (name: string) => `dn: ou=${name},${BASE}\nobjectClass: organizationalUnit\nou: ${name}\n`;
  const group = ([cn, uids]: [string, string[]]) =>
    `dn: cn=${cn},${GROUPS}\nobjectClass: groupOfNames\ncn: ${cn}\n${uids.map((u) => `member: uid=${u},${PEOPLE}\n`).join('')}`;
  const service = `dn: ${SERVICE.dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: gatehouse\nuserPassword: ${SERVICE.password}\n`;
  const base = `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n`;
  return [base, ou('people'), ou('groups'), service, ...people, ...Object.entries(groups).map(group)].join('\n');
}

/** Directory settings (admin API shape) for a server seeded by seedLdif: its URL, the service account, PEOPLE. */
export const serviceSettings = (slapd: Slapd) => ({
  url: slapd.url,
  bind_dn: SERVICE.dn,
  bind_password: SERVICE.password,
  search_base: PEOPLE,
});

export interface Slapd {
  url: string;
  /** A test CA's certificate (PEM file) that signed the server certificate, for StartTLS. */
  caFile: string;
  /** A CA that signed nothing this server presents. */
  otherCaFile: string;
  /** Runs LDAP operations as the directory's administrator (to add, change or remove entries). */
  admin<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
async function makeCertificates(dir: string) {
  const p = (f: string) => path.join(dir, f);
  for (const ca of ['ca', 'other-ca']) {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p(`${ca}.key`),
      '-out',
      p(`${ca}.pem`),
      '-days',
      '2',
      '-subj',
      `/CN=Gatehouse test ${ca}`,
    ]);
  }
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  await writeFile(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('san.ext'),
  ]);
}

/**
 * A real OpenLDAP server (Debian's slapd) on a free loopback port, with its own config, mdb
 * database and certificates in a temporary folder, seeded with `ldif` by slapadd before it starts.
 */
export async function startSlapd(ldif: string): Promise<Slapd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-slapd-'));
  const p = (f: string) => path.join(dir, f);
  await mkdir(p('db'));
  await makeCertificates(dir);
  const config = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${p('slapd.pid')}`,
    `argsfile ${p('slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    `TLSCACertificateFile ${p('ca.pem')}`,
    `TLSCertificateFile ${p('server.pem')}`,
    `TLSCertificateKeyFile ${p('server.key')}`,
    'database mdb',
    'maxsize 16777216',
    `suffix "${BASE}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${p('db')}`,
    'index objectClass eq',
    // Passwords are readable by nobody; binding with them is allowed to anyone.
    'access to attrs=userPassword by anonymous auth by self write by * none',
    'access to * by * read',
  ].join('\n');
  await writeFile(p('slapd.conf'), `${config}\n`);
  await writeFile(p('seed.ldif'), ldif);
  await run('/usr/sbin/slapadd', ['-f', p('slapd.conf'), '-l', p('seed.ldif')]);

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('/usr/sbin/slapd', ['-f', p('slapd.conf'), '-h', `${url}/`, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const admin = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
    try {
      await client.bind(ADMIN_DN, ADMIN_PASSWORD);
      return await fn(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
  // Ready when the administrator can bind.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(async () => undefined);
      break;
    } catch (err) {
      if (attempt > 100 || child.exitCode !== null) throw new Error(`slapd did not start: ${stderr || String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    caFile: p('ca.pem'),
    otherCaFile: p('other-ca.pem'),
    admin,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh slapd seeded with `ldif` for the suite (suites change and delete entries). */
export function useSlapd(ldif: string): () => Slapd {
  let slapd: Slapd | undefined;
  beforeAll(async () => {
    slapd = await startSlapd(ldif);
  }, 60_000);
  afterAll(() => slapd?.stop());
  return () => {
    if (!slapd) throw new Error('slapd not started yet');
    return slapd;
  };
}
