import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './nginx.js';

const MODULES = '/usr/lib/apache2/modules';

/**
 * Debian's Apache in the foreground on a loopback port, with mod_auth_openidc protecting `/protected`
 * (a static page) against `issuer` as client `client`. `stop()` ends it and removes its folder.
 */
export async function startApacheOidc(o: { port: number; issuer: string; client: { id: string; secret: string } }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-apache-'));
  const docs = path.join(dir, 'htdocs');
  await mkdir(path.join(docs, 'protected'), { recursive: true });
  await writeFile(
    path.join(docs, 'protected', 'index.html'),
    '<!doctype html><title>Secret</title><h1>Secret page</h1>\n',
  );
  // Apache's workers run as www-data: they read the pages.
  for (const p of [dir, docs, path.join(docs, 'protected')]) await chmod(p, 0o755);
  const base = `http://127.0.0.1:${o.port}`;
  const conf = `ServerName 127.0.0.1
Listen 127.0.0.1:${o.port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn auth_openidc:info
DefaultRuntimeDir ${dir}
User www-data
Group www-data
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule mime_module ${MODULES}/mod_mime.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so
TypesConfig /etc/mime.types
DocumentRoot ${docs}
<Directory ${docs}>
  Require all granted
</Directory>
OIDCProviderMetadataURL ${o.issuer}/.well-known/openid-configuration
OIDCClientID ${o.client.id}
OIDCClientSecret ${o.client.secret}
OIDCRedirectURI ${base}/protected/redirect_uri
OIDCCryptoPassphrase a-test-passphrase-for-the-session-cookie
OIDCScope "openid email profile"
OIDCPKCEMethod S256
OIDCRemoteUserClaim email
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`;
  await writeFile(path.join(dir, 'httpd.conf'), conf);
  const child = spawn('/usr/sbin/apache2', ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir },
  });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c));
  await waitForPort(o.port, child, 'apache2').catch(async (err) => {
    const log = await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`${err.message}: ${stderr}${log}`);
  });
  return {
    base,
    dir,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
