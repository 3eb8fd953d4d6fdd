import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type Sharp from 'sharp';
import { errors } from '../../core/errors.js';
import { cornerOverlays } from './corners.js';
import type { Format, Transform } from './params.js';

/** Image types transforms accept as input; everything else (GIF, TIFF, SVG, PDF…) is refused. */
export const TRANSFORMABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif']);

const require = createRequire(import.meta.url);
let loaded: typeof Sharp | undefined;

/**
 * sharp, loaded at the first transform (a CLI call, or a server that never transforms, does not
 * load libvips), with its process-wide settings applied before any use (`lockDownLoaders`).
 */
function sharpOf(): typeof Sharp {
  if (!loaded) {
    const sharp = require('sharp') as typeof Sharp;
    lockDownLoaders(sharp);
    loaded = sharp;
  }
  return loaded;
}

/**
 * Process-wide libvips settings: the loaders of risky formats are off (only those of the
 * transformable types stay on); no operation cache (variants are cached on the backend, and
 * the cache only held memory); one libvips thread per image, since the transform limiter
 * already runs one image per core.
 */
function lockDownLoaders(sharp: typeof Sharp): void {
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({
    operation: ['Png', 'Jpeg', 'Webp', 'Heif'].flatMap((f) => [
      `VipsForeignLoad${f}File`,
      `VipsForeignLoad${f}Buffer`,
      `VipsForeignLoad${f}Source`,
    ]),
  });
  sharp.cache(false);
  sharp.concurrency(1);
}

export interface ImageLimits {
  maxPixels: number;
  timeoutSeconds: number;
}

const tooLarge = (what: string, maxPixels: number) =>
  errors.imageTooLarge(`The ${what} would have more than ${maxPixels} pixels`);

/** The size of the output, from the source's header: the same arithmetic as libvips' resize. */
function outputSize(meta: Sharp.Metadata, t: Transform): { width: number; height: number } {
  const turned = (meta.orientation ?? 1) >= 5; // EXIF orientations 5–8 swap width and height
  const sw = (turned ? meta.height : meta.width) ?? 0;
  const sh = (turned ? meta.width : meta.height) ?? 0;
  if (t.width && t.height) return { width: t.width, height: t.height };
  if (t.width) return { width: t.width, height: Math.max(1, Math.round((t.width * sh) / Math.max(1, sw))) };
  if (t.height) return { width: Math.max(1, Math.round((t.height * sw) / Math.max(1, sh))), height: t.height };
  return { width: sw, height: sh };
}

/**
 * Decodes, transforms and encodes one image; bounded in input pixels, output pixels and time.
 * The source is read once, streamed into the one sharp instance that reads its header and
 * then transforms it.
 */
export async function transformImage(
  source: Readable,
  t: Transform,
  format: Format,
  limits: ImageLimits,
): Promise<Buffer> {
  const sink = sharpOf()({ limitInputPixels: limits.maxPixels, failOn: 'error' });
  // A read error of the source fails the transform (pipe() alone would leave sharp waiting).
  source.once('error', (err) => sink.destroy(err));
  source.pipe(sink);
  const meta = await sink.metadata();
  if ((meta.width ?? 0) * (meta.height ?? 0) > limits.maxPixels) throw tooLarge('image', limits.maxPixels);
  const out = outputSize(meta, t);
  if (out.width * out.height > limits.maxPixels) throw tooLarge('transformed image', limits.maxPixels);

  let img = sink.rotate().timeout({ seconds: limits.timeoutSeconds });
  if (t.width || t.height)
    img = img.resize({
      width: t.width,
      height: t.height,
      fit: t.width && t.height ? 'cover' : 'inside',
      withoutEnlargement: false,
    });
  if (t.blur) img = img.blur(t.blur);
  if (t.radius !== undefined) img = img.ensureAlpha().composite(cornerOverlays(out.width, out.height, t.radius));
  const quality = t.quality;
  const encoded =
    format === 'webp'
      ? img.webp({ quality })
      : format === 'png'
        ? img.png({ quality })
        : img.jpeg({ quality, mozjpeg: true });
  return encoded.toBuffer();
}
