// The load generator, in its own process: runs one autocannon phase per job.
import autocannon from 'autocannon';
import { serveJobs } from './child.js';

export interface LoadJob {
  kind: 'plain' | 'rotate' | 'widths';
  url: string;
  seconds: number;
  connections: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** rotate: one refresh token per connection, each followed along its chain. */
  tokens?: string[];
  /** widths: `${path}?w=<new width each request, from 100>&q=<quality>&f=webp`. */
  path?: string;
  quality?: number;
}

export interface LoadResult {
  rps: number;
  bytesPerSecond: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function requests(job: LoadJob): autocannon.Request[] | undefined {
  if (job.kind === 'rotate') {
    let next = 0;
    return [
      {
        method: 'GET',
        setupRequest: (req, context) => {
          context.token ??= job.tokens![next++ % job.tokens!.length]!;
          return { ...req, path: `/auth/token/refresh?refresh_token=${context.token}` };
        },
        onResponse: (status, body, context) => {
          if (status === 200) context.token = JSON.parse(body).refresh_token;
        },
      },
    ];
  }
  if (job.kind === 'widths') {
    let width = 100;
    return [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: `${job.path}?w=${(width = width >= 1100 ? 100 : width + 1)}&q=${job.quality}&f=webp`,
        }),
      },
    ];
  }
  return undefined;
}

serveJobs(async (raw) => {
  const job = raw as unknown as LoadJob;
  // autocannon takes an explicit `undefined` as a value, so absent options are left out.
  const options = {
    url: job.url,
    duration: job.seconds,
    connections: job.connections,
    method: job.method,
    headers: job.headers,
    body: job.body,
    requests: requests(job),
  };
  const r = await autocannon(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as autocannon.Options,
  );
  return {
    rps: r.requests.total / r.duration,
    bytesPerSecond: r.throughput.total / r.duration,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  } satisfies LoadResult;
});
