import type { OverlayOptions } from 'sharp';

/**
 * Rounded corners as four small overlays that cut (blend `dest-out`) the alpha outside a
 * circle of `radius` in each corner. Only the corners are ever held in memory (2 bytes a
 * pixel, grey + alpha), never the whole output: libvips composites them while it streams.
 */
export function cornerOverlays(width: number, height: number, radius: number | 'full'): OverlayOptions[] {
  const r = radius === 'full' ? Math.min(width, height) / 2 : Math.min(radius, width / 2, height / 2);
  const n = Math.ceil(r);
  if (n === 0) return [];
  // The top-left corner; the others are its mirror images.
  const cutOf = (y: number) => {
    const dy = r - y - 0.5;
    return Math.max(0, Math.ceil(r - Math.sqrt(Math.max(0, r * r - dy * dy)) - 0.5));
  };
  const corners = (['northwest', 'northeast', 'southwest', 'southeast'] as const).map((gravity) => {
    const tile = Buffer.alloc(n * n * 2);
    const right = gravity.endsWith('east');
    const bottom = gravity.startsWith('south');
    for (let y = 0; y < n; y++) {
      const cut = cutOf(y);
      const row = bottom ? n - 1 - y : y;
      for (let x = 0; x < cut; x++) tile[(row * n + (right ? n - 1 - x : x)) * 2 + 1] = 255;
    }
    return { input: tile, raw: { width: n, height: n, channels: 2 as const }, gravity, blend: 'dest-out' as const };
  });
  return corners;
}
