import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers/app.js';
import { serveTestApp } from './helpers/browser.js';

const README = path.resolve(import.meta.dirname, '../README.md');
const ADMIN_SECRET = 'readme-examples-admin-secret-0123456789';

/** The README's ```sh blocks that call curl, in order, each with the heading it sits under. */
function curlBlocks(markdown: string): { heading: string; text: string }[] {
  const blocks: { heading: string; text: string }[] = [];
  let heading = '';
  for (const part of markdown.split(/^```/m).map((p, i) => ({ p, code: i % 2 === 1 }))) {
    if (!part.code) {
      const headings = [...part.p.matchAll(/^#+ (.+)$/gm)];
      if (headings.length) heading = headings.at(-1)![1]!;
      continue;
    }
    if (!part.p.startsWith('sh\n') || !/\bcurl\b/.test(part.p)) continue;
    blocks.push({ heading, text: part.p.slice(3) });
  }
  return blocks;
}

/**
 * Makes a block runnable as written, changing only what a reader changes: the port, and the placeholders (`…`)
 * for a password or a token that an earlier example printed. Each curl records its status and body.
 */
function runnable(text: string, password: string): string {
  return text
    .replaceAll('localhost:3000', '127.0.0.1:$PORT')
    .replaceAll('"password":"…"', `"password":"${password}"`)
    .replaceAll('-d password=…', `--data-urlencode 'password=${password}'`)
    .replaceAll("'x-user-id: …'", '"x-user-id: $RC_USER"')
    .replaceAll("'x-auth-token: …'", '"x-auth-token: $RC_TOKEN"')
    .replace(/\bcurl -s\b/g, 'readme_curl');
}

/** Records every call: `<status> <command line>` then the body, in $CALLS. */
const PRELUDE = `
readme_curl() {
  local out
  out=$(curl -sS -w '\\n%{http_code}' "$@")
  local code=\${out##*$'\\n'}
  local body=\${out%$'\\n'*}
  printf '%s\\n' "$body"
  printf '%s %s\\n%s\\n' "$code" "$*" "$body" >> "$CALLS"
}
`;

describe('the README examples, run against a fresh server', () => {
  let t: TestApp & { base: string };
  let dir: string;
  let blocks: { heading: string; text: string }[];
  let password: string;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    const markdown = await readFile(README, 'utf8');
    blocks = curlBlocks(markdown);
    password = /"password":"([^"…]+)"/.exec(markdown)![1]!;
    // The privacyIDEA example names the realm "staff" (docs/notes/operators-readme.md): it is made here.
    t = await serveTestApp('sqlite', { ADMIN_SECRET });
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-readme-'));
    env.PORT = new URL(t.base).port;
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a block in bash, asynchronously: the server answering its curls lives in this process. */
  const run = async (text: string) => {
    const calls = path.join(dir, `calls-${Math.random().toString(36).slice(2)}`);
    const child = spawn('bash', ['-c', PRELUDE + runnable(text, password)], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env, CALLS: calls },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    await new Promise((resolve) => child.on('close', resolve));
    const res = { stderr };
    const log = await readFile(calls, 'utf8').catch(() => '');
    const entries = [...log.matchAll(/^(\d{3}) (.*)\n(.*)$/gm)].map((m) => ({
      status: Number(m[1]),
      command: m[2]!,
      body: m[3]!,
    }));
    return { ...res, entries };
  };
  const login = async (url: string, body: Record<string, string>) =>
    (await fetch(`${t.base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, unknown>;

  it('finds the examples: one block per door', () => {
    expect(blocks.map((b) => b.heading)).toEqual([
      'HBP (native API)',
      'HumHub',
      'Rocket.Chat',
      'privacyIDEA',
      'datarhei Core',
      'hasura-auth (nhost)',
    ]);
  });

  it('runs every example of every door, each answering with success and the fields its comment shows', async () => {
    for (const [i, block] of blocks.entries()) {
      if (block.heading === 'HumHub') {
        const r = await login('/api/v1/auth/login', { username: 'ann@example.com', password });
        env.AUTH_TOKEN = String(r.auth_token);
      }
      if (block.heading === 'Rocket.Chat') {
        const r = (await login('/api/v1/login', { user: 'ann@example.com', password })) as {
          data: { userId: string; authToken: string };
        };
        env.RC_USER = r.data.userId;
        env.RC_TOKEN = r.data.authToken;
      }
      if (block.heading === 'privacyIDEA') {
        const admin = { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'application/json' };
        await fetch(`${t.base}/admin/realms`, { method: 'POST', headers: admin, body: '{"name":"staff"}' });
        const ann = (await (await fetch(`${t.base}/admin/users?search=ann@example.com`, { headers: admin })).json())
          .users[0] as { id: string };
        await fetch(`${t.base}/admin/users/${ann.id}/realm`, {
          method: 'PUT',
          headers: admin,
          body: '{"realm":"staff"}',
        });
        const r = (await (
          await fetch(`${t.base}/auth`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'ann@example.com', password, realm: 'staff' }),
          })
        ).json()) as { result: { value: { token: string } } };
        env.TOKEN = r.result.value.token;
      }
      if (block.heading === 'datarhei Core') {
        const r = await login('/api/login', { username: 'ann@example.com', password });
        env.REFRESH = String(r.refresh_token);
      }
      const res = await run(block.text);
      const curls = block.text.match(/\bcurl\b/g)!.length;
      expect(res.entries.length, `block ${i} (${block.heading}): ${res.stderr}`).toBe(curls);
      for (const e of res.entries)
        expect({ block: block.heading, command: e.command, status: e.status }).toEqual({
          block: block.heading,
          command: e.command,
          status: expect.toSatisfy((s: number) => s >= 200 && s < 300),
        });
      // "# → {…}" comments: every key they show is in the answer just before them.
      const shown = [...block.text.matchAll(/\bcurl\b[\s\S]*?\n# → (.*)/g)].map((m) => m[1]!);
      for (const comment of shown) {
        const keys = [...comment.matchAll(/"([a-z_A-Z]+)":/g)].map((m) => m[1]!);
        const answered = res.entries.map((e) => e.body).join('\n');
        for (const key of keys) expect(answered, `${block.heading}: "${key}" from ${comment}`).toContain(`"${key}"`);
      }
    }
  });
});
