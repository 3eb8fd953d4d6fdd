import { Command, Option } from 'commander';
import { CLI } from './core/sessions/actor.js';
import type { LimitedMethod, MethodMode } from './core/auth-methods/service.js';
import { VERSION } from './app.js';
import { configFromEnvironment } from './config/env.js';
import { ConfigError } from './config/load.js';
import { resolveSecrets } from './config/secrets.js';
import { openDatabase } from './db/client.js';
import { migrateToLatest } from './db/migrate.js';
import { describeSweep, serve } from './serve.js';
import { createServices, type Services } from './services.js';
import { registerDirectoryCommands } from './cli/directories.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Runs `fn` with the core services on a migrated database, then closes it. */
async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  const config = configFromEnvironment();
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db);
    const services = await createServices(config, await resolveSecrets(config), db);
    try {
      return await fn(services);
    } finally {
      await services.background.drain();
      services.mailer.close();
      await services.limits?.close();
    }
  } finally {
    await db.close();
  }
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function buildCli(): Command {
  const program = new Command('gatehouse').version(VERSION).description('Gatehouse authentication server');

  program.command('serve').description('Start the HTTP server (migrates first)').action(() => serve(configFromEnvironment()));

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      // A migration may rewrite a large table: it gets an hour, not the per-request statement bound.
      const db = openDatabase({ ...configFromEnvironment().database, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await db.close();
      }
    });

  const user = program.command('user').description('Manage users');
  user
    .command('create')
    .description('Create an active user; the password is read from standard input')
    .requiredOption('--email <email>')
    .option('--roles <roles>', 'comma-separated roles (default: DEFAULT_ALLOWED_USER_ROLES)', list)
    .option('--default-role <role>')
    .option('--display-name <name>')
    .action((opts: { email: string; roles?: string[]; defaultRole?: string; displayName?: string }) =>
      withServices(async (s) => {
        const password = await readStdin();
        const roles = opts.roles ?? s.config.users.defaultAllowedRoles;
        const created = await s.users.create({
          email: opts.email,
          password,
          roles,
          defaultRole: opts.defaultRole ?? (roles.includes(s.config.users.defaultRole) ? s.config.users.defaultRole : roles[0]!),
          displayName: opts.displayName,
          active: true,
        });
        console.log(`Created ${created.email} (${created.id}) with roles ${created.roles.join(',')}`);
      }),
    );

  user
    .command('list')
    .description('List users')
    .option('--search <text>', 'only emails containing this text')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .option('--offset <n>', 'skip this many', (v) => Number.parseInt(v, 10), 0)
    .addOption(new Option('--format <format>').choices(['table', 'json']).default('table'))
    .action((opts: { search?: string; limit: number; offset: number; format: string }) =>
      withServices(async (s) => {
        const users = await s.users.list(opts);
        if (opts.format === 'json') {
          console.log(JSON.stringify(users.map(({ passwordHash: _omit, ...u }) => u), null, 2));
          return;
        }
        for (const u of users) {
          const state = u.disabled ? 'disabled' : u.active ? 'active' : 'inactive';
          console.log(`${u.id}  ${u.email}  ${state}  ${u.defaultRole} [${u.roles.join(',')}]`);
        }
      }),
    );

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    user
      .command(`${name} <email>`)
      .description(disabled ? 'Disable a user and end all their sessions' : 'Enable a disabled user')
      .action((email: string) =>
        withServices(async (s) => {
          const target = await s.users.require(email);
          await s.accounts.setDisabled(target.id, disabled, CLI);
          console.log(`${target.email} ${disabled ? 'disabled' : 'enabled'}`);
        }),
      );
  }

  user
    .command('set-roles <email>')
    .description("Replace a user's roles")
    .requiredOption('--roles <roles>', 'comma-separated roles', list)
    .option('--default-role <role>', 'default role (default: the first role)')
    .action((email: string, opts: { roles: string[]; defaultRole?: string }) =>
      withServices(async (s) => {
        const target = await s.users.require(email);
        await s.accounts.setRoles(target.id, opts.roles, opts.defaultRole ?? opts.roles[0]!, CLI);
        console.log(`${target.email}: roles ${opts.roles.join(',')}`);
      }),
    );

  user
    .command('set-realm <email> <realm>')
    .description("Move a user to a realm")
    .action((email: string, realm: string) =>
      withServices(async (s) => {
        const target = await s.users.require(email);
        await s.accounts.setRealm(target.id, realm, CLI);
        console.log(`${target.email}: realm ${realm}`);
      }),
    );

  for (const [name, allow] of [['allow-method', true], ['disallow-method', false]] as const) {
    user
      .command(`${name} <email> <method>`)
      .description(`${allow ? 'Open' : 'Close'} an authentication method set to "selected" (jwt, basic) for one user`)
      .action((email: string, method: string) =>
        withServices(async (s) => {
          if (!['jwt', 'basic'].includes(method)) throw new Error('The method is jwt or basic');
          const target = await s.users.require(email);
          await (allow ? s.authMethods.allow(method as LimitedMethod, target.id) : s.authMethods.disallow(method as LimitedMethod, target.id));
          console.log(`${target.email}: ${method} ${allow ? 'allowed' : 'disallowed'}`);
        }),
      );
  }

  const token = program.command('token').description('Personal bearer tokens (HumHub)');
  token
    .command('create <email>')
    .description('Create a bearer token for a user; it is printed once')
    .option('--name <name>', 'what the token is for')
    .option('--days <n>', 'lifetime in days (default: no expiry)', (v) => Number.parseInt(v, 10))
    .action((email: string, opts: { name?: string; days?: number }) =>
      withServices(async (s) => {
        const target = await s.users.require(email);
        const issued = await s.apiTokens.issue(target.id, 'bearer', { lifetimeMs: opts.days ? opts.days * 86_400_000 : null, name: opts.name ?? null, actor: CLI });
        console.log(issued.token);
      }),
    );
  token
    .command('revoke <id>')
    .description('Revoke a bearer token by its id (as listed); it stops working at once')
    .action((id: string) =>
      withServices(async (s) => {
        if (!(await s.apiTokens.revokeById(id, CLI))) throw new Error('No such live token');
        console.log('revoked');
      }),
    );

  program
    .command('method <method> <mode>')
    .description('Set who may use a HumHub method (jwt, basic): all, selected or off')
    .action((method: string, mode: string) =>
      withServices(async (s) => {
        if (!['jwt', 'basic'].includes(method) || !['all', 'selected', 'off'].includes(mode)) throw new Error('Usage: gatehouse method jwt|basic all|selected|off');
        await s.authMethods.setMode(method as LimitedMethod, mode as MethodMode);
        console.log(`${method}: ${mode}`);
      }),
    );

  program
    .command('storage')
    .description('Stored files')
    .command('gc')
    .description('Remove partial uploads and objects no file points to (older than STORAGE_UPLOAD_TIMEOUT + STORAGE_ORPHAN_GRACE), and list files whose object is gone')
    .addOption(new Option('--format <format>').choices(['text', 'json']).default('text'))
    .action((opts: { format: string }) =>
      withServices(async (s) => {
        const report = await s.storage.sweep();
        if (opts.format === 'json') console.log(JSON.stringify(report));
        else {
          console.log(describeSweep(report));
          for (const key of report.missing) console.log(`missing object: ${key}`);
        }
      }),
    );

  const realm = program.command('realm').description('Manage realms');
  realm
    .command('create <name>')
    .description('Create a realm')
    .action((name: string) =>
      withServices(async (s) => {
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error('A realm name is 1-64 letters, digits, ".", "_" or "-"');
        await s.realms.create(name, CLI);
        console.log(`Realm ${name} created`);
      }),
    );

  registerDirectoryCommands(program, withServices, readStdin);
  return program;
}

/** Entry point of bin/gatehouse.js. A configuration error prints every bad variable and exits 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`gatehouse: ${(err as Error).message}`);
    process.exit(1);
  }
}
