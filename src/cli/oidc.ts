import type { Command } from 'commander';
import { sha256 } from '../core/hash.js';
import type { OidcClient } from '../core/oidc/clients.js';
import { CLI } from '../core/sessions/actor.js';
import type { CliContext } from './context.js';

const list = (v: string, previous: string[] = []) => [
  ...previous,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

const line = (c: OidcClient) =>
  [
    c.clientId,
    c.name,
    c.confidential ? c.authMethod : 'public',
    c.trusted ? 'trusted' : 'consent',
    c.grantTypes.join(','),
    c.redirectUris.join(' ') + (c.readOnly ? '  (file)' : ''),
  ].join('  ');

interface AddOptions {
  id?: string;
  redirectUri: string[];
  postLogoutRedirectUri?: string[];
  grant?: string[];
  role?: string[];
  public?: boolean;
  trusted?: boolean;
  backchannelLogoutUri?: string;
  post?: boolean;
}

/** `gatehouse oidc …`: the relying parties of the OpenID Connect provider. */
export function oidcCommand(program: Command, cli: CliContext): void {
  const { withServices, out, printJson } = cli;
  const oidc = program.command('oidc').description('The OpenID Connect provider: its clients (relying parties)');
  const clients = oidc.command('clients').alias('client').description('Relying parties');
  clients
    .command('list')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) =>
      withServices(async (s) => {
        const all = await s.oidc.clients.list();
        if (opts.json) return printJson(all);
        for (const c of all) out(line(c));
      }),
    );
  clients
    .command('add <name>')
    .description("Register a client; a confidential client's secret is printed once (only its hash is kept)")
    .option('--id <client_id>', 'its client_id (default: generated)')
    .option('--redirect-uri <uri>', 'an exact redirect URI (repeat, or comma-separate)', list)
    .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return (repeatable)', list)
    .option('--grant <type>', 'authorization_code, refresh_token, client_credentials, device code (repeatable)', list)
    .option('--role <role>', 'roles the client may see; a user with none of them is refused (repeatable)', list)
    .option('--public', 'no secret; PKCE required (SPAs, mobile apps, CLIs)')
    .option('--trusted', 'a first-party client: no consent screen')
    .option('--post', 'the client sends its secret in the body (client_secret_post), not in Basic')
    .option('--backchannel-logout-uri <uri>', 'where back-channel logout tokens are posted')
    .action((name: string, opts: AddOptions) =>
      withServices(async (s) => {
        const made = await s.oidc.clients.create(
          {
            clientId: opts.id,
            name,
            public: opts.public,
            authMethod: opts.post ? 'client_secret_post' : undefined,
            redirectUris: opts.redirectUri ?? [],
            postLogoutRedirectUris: opts.postLogoutRedirectUri,
            grantTypes: opts.grant,
            allowedRoles: opts.role,
            trusted: opts.trusted,
            backchannelLogoutUri: opts.backchannelLogoutUri ?? null,
          },
          CLI,
        );
        out(`client_id: ${made.client.clientId}`);
        if (made.secret) out(`client_secret: ${made.secret}`);
      }),
    );
  clients
    .command('rotate-secret <client_id>')
    .description('A new secret, printed once; the old one stops working at once')
    .action((id: string) =>
      withServices(async (s) => out(`client_secret: ${(await s.oidc.clients.rotateSecret(id, CLI)).secret}`)),
    );
  clients.command('remove <client_id>').action((id: string) =>
    withServices(async (s) => {
      await s.oidc.clients.remove(id, CLI);
      out('removed');
    }),
  );
  oidc
    .command('hash-secret')
    .description('Reads a client secret on stdin and prints what OIDC_CLIENTS_FILE keeps (client_secret_hash)')
    .action(async () => out(sha256((await cli.readStdin()).trim())));
}
