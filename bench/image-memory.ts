// Image memory for npm run bench: the server's peak extra RSS under 16 parallel worst-case transforms.
// Also runs alone: npm run build && node --import tsx bench/image-memory.ts
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { startServer } from './server.js';

const ADMIN_SECRET = 'bench-admin-secret-bench-admin-secret';
const PARALLEL = 16;
const LIMIT_MIB = 512;

async function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
}

/**
 * The worst case the limits allow: a 2×2 PNG blown up to the full STORAGE_IMAGE_MAX_PIXELS
 * (40 MP by default) with rounded corners, as PNG, each request a new variant (nothing
 * cached). The peak is the kernel's high-water mark of the server process (VmHWM), so
 * no sampling can miss it.
 */
export async function imageMemoryFigure(): Promise<[figure: string, measured: string, goal: string, verdict: string]> {
  const server = await startServer({ LOG_LEVEL: 'warn', ADMIN_SECRET });
  try {
    const admin = { 'x-admin-secret': ADMIN_SECRET };
    const tiny = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 250, g: 120, b: 0 } } })
      .png()
      .toBuffer();
    const up = await fetch(`${server.url}/storage/o/bench/tiny.png`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'image/png' },
      body: new Uint8Array(tiny),
    });
    if (up.status !== 200) throw new Error(`upload: ${up.status}`);
    // A warm-up transform, so that loading libvips' code is not counted as work.
    await fetch(`${server.url}/storage/o/bench/tiny.png?w=64&r=full&f=png`, { headers: admin }).then((r) =>
      r.arrayBuffer(),
    );

    const baseline = await statusKiB(server.pid, 'VmRSS');
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        const res = await fetch(`${server.url}/storage/o/bench/tiny.png?w=8192&h=${4882 - i}&r=full&f=png`, {
          headers: admin,
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const peak = await statusKiB(server.pid, 'VmHWM');
    const extraMiB = (peak - baseline) / 1024;
    const ok = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s !== 200).map(String);
    return [
      `peak extra RSS, ${PARALLEL} parallel 40 MP transforms (2×2 PNG → 8192×~4880, r=full)`,
      `${extraMiB.toFixed(0)} MiB (${ok} × 200${refused.length ? `, ${refused.join(', ')}` : ''}, ${seconds.toFixed(1)} s)`,
      `< ${LIMIT_MIB} MiB`,
      extraMiB < LIMIT_MIB && ok === PARALLEL ? 'met' : 'missed',
    ];
  } finally {
    await server.stop();
  }
}

/** The figure as a row of the bench's table of levels. */
export const imageMemoryLevel = async () => `| ${(await imageMemoryFigure()).join(' | ')} |`;

if (import.meta.url === `file://${process.argv[1]}`) console.log(await imageMemoryLevel());
