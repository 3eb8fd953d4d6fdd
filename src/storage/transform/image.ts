import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Format, Transform } from './params.js';

/** Image types transforms accept as input; everything else (GIF, TIFF, SVG, PDF…) is refused. */
export const TRANSFORMABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif']);

let locked = false;
/**
 * libvips loaders that parse risky formats are switched off, once, process-wide:
 * only the loaders of the transformable types stay on.
 */
export function lockDownLoaders(): void {
  if (locked) return;
  locked = true;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({
    operation: ['Png', 'Jpeg', 'Webp', 'Heif'].flatMap((f) => [`VipsForeignLoad${f}File`, `VipsForeignLoad${f}Buffer`, `VipsForeignLoad${f}Source`]),
  });
}

/** Rounded corners: clears the alpha of every pixel outside the rounded rectangle (RGBA raw data). */
function roundCorners(data: Buffer, width: number, height: number, radius: number | 'full'): void {
  const r = radius === 'full' ? Math.min(width, height) / 2 : Math.min(radius, width / 2, height / 2);
  for (let y = 0; y < Math.ceil(r); y++) {
    const dy = r - y - 0.5;
    const cut = Math.max(0, Math.ceil(r - Math.sqrt(Math.max(0, r * r - dy * dy)) - 0.5));
    for (let x = 0; x < cut; x++) {
      for (const [px, py] of [[x, y], [width - 1 - x, y], [x, height - 1 - y], [width - 1 - x, height - 1 - y]] as const) data[(py * width + px) * 4 + 3] = 0;
    }
  }
}

export interface ImageLimits {
  maxPixels: number;
  timeoutSeconds: number;
}

/** Decodes, transforms and encodes one image; bounded in pixels and time. */
export async function transformImage(source: Readable, t: Transform, format: Format, limits: ImageLimits): Promise<Buffer> {
  const input = Buffer.concat(await source.toArray());
  let img = sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'error' }).rotate().timeout({ seconds: limits.timeoutSeconds });
  if (t.width || t.height) img = img.resize({ width: t.width, height: t.height, fit: t.width && t.height ? 'cover' : 'inside', withoutEnlargement: false });
  if (t.blur) img = img.blur(t.blur);
  if (t.radius !== undefined) {
    const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    roundCorners(data, info.width, info.height, t.radius);
    img = sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } });
  }
  const quality = t.quality;
  const encoded = format === 'webp' ? img.webp({ quality }) : format === 'png' ? img.png({ quality }) : img.jpeg({ quality, mozjpeg: true });
  return encoded.toBuffer();
}
