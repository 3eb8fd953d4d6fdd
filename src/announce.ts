import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/load.js';
import type { Services } from './services.js';
import { VERSION } from './version.js';

/** Where the one-time notice also goes when the log is not on a terminal (a JSON log piped elsewhere). */
export interface Terminal {
  write(text: string): void;
}

/**
 * After listen: the start-up banner (where the console, the docs and the mail are, how to stop), the
 * configuration warnings, and the way in when nobody can sign in to the console yet: the admin of
 * GATEHOUSE_ADMIN_EMAIL created, or a single-use setup link printed once (log, and the terminal when the
 * log does not go there). Answers the link, if one was printed.
 */
export async function announceStart(
  s: Pick<Services, 'firstRun' | 'mailer'>,
  config: Config,
  log: FastifyBaseLogger,
  terminal?: Terminal,
): Promise<{ setupUrl?: string }> {
  const url = config.server.url;
  const where = config.database.kind === 'sqlite' ? `SQLite at ${config.database.file}` : 'PostgreSQL';
  log.info(`Gatehouse ${VERSION} on ${where}, listening on ${config.server.host}:${config.server.port}`);
  log.info(config.console.enabled ? `admin console: ${url}/console/` : 'admin console: off (CONSOLE_ENABLED=false)');
  log.info(`API docs: ${url}/docs`);
  log.info(`mail: ${s.mailer.describe}`);
  log.info(`stop: Ctrl+C or SIGTERM (requests in flight get up to ${config.server.shutdownTimeoutSeconds} s)`);
  for (const warning of config.operators.warnings) log.warn(`configuration: ${warning} (STRICT_CONFIG=true refuses)`);

  const admin = await s.firstRun.bootstrapAdmin();
  if (admin) log.info(`created the first admin, ${admin.email} (GATEHOUSE_ADMIN_EMAIL); sign in at ${url}/console/`);
  const link = admin ? undefined : await s.firstRun.openSetupLink();
  if (!link) return {};
  const until = link.expiresAt.toISOString();
  const from = config.operators.setup.allowRemote ? 'from anywhere (SETUP_ALLOW_REMOTE=true)' : 'from this machine';
  const notice =
    `no admin and no ADMIN_SECRET yet: open ${link.url} ${from} before ${until} to create the first admin ` +
    '(the link works once; a restart prints a new one)';
  log.warn(notice);
  terminal?.write(`\n  ${notice}\n\n`);
  return { setupUrl: link.url };
}
