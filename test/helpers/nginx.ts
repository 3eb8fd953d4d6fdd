import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

/** Resolves once something accepts TCP connections on the port (the server started). */
export async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Debian's nginx as a non-daemon on a loopback port, with the given `http { … }` body; `stop()` ends it. */
export async function startNginx(port: number, http: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-nginx-'));
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port, child, 'nginx');
  return {
    dir,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * nginx with docs/identity-provider.md's forward-auth configuration on a free port: `auth_request` to Gatehouse at
 * `gatehouse`, the identity headers passed on to the app on loopback port `upstream`, a stranger sent to sign in.
 * `url` names it by `host` (a browser signing in with a passkey needs `localhost`).
 */
export async function startForwardAuthNginx(gatehouse: string, upstream: number, host = '127.0.0.1') {
  const port = await freePort();
  const nginx = await startNginx(
    port,
    `
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_gatehouse;
      auth_request_set $auth_user $upstream_http_x_auth_request_user;
      auth_request_set $auth_email $upstream_http_x_auth_request_email;
      auth_request_set $auth_groups $upstream_http_x_auth_request_groups;
      proxy_set_header X-Auth-Request-User $auth_user;
      proxy_set_header X-Auth-Request-Email $auth_email;
      proxy_set_header X-Auth-Request-Groups $auth_groups;
      proxy_pass http://127.0.0.1:${upstream};
      error_page 401 = @signin;
    }
    location = /_gatehouse {
      internal;
      proxy_pass ${gatehouse}/auth/forward;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
    }
    location @signin {
      return 302 ${gatehouse}/auth/forward/signin?rd=$scheme://$http_host$request_uri;
    }
  }
`,
  );
  return { url: `http://${host}:${port}`, stop: nginx.stop };
}
