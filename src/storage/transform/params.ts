import { errors } from '../../core/errors.js';

export type Format = 'webp' | 'png' | 'jpeg';

export interface Transform {
  width?: number;
  height?: number;
  quality?: number;
  format?: Format | 'auto';
  radius?: number | 'full';
  blur?: number;
}

const bad = (message: string) => errors.invalidTransform(message);
const INT = /^\d{1,5}$/;
const NUMBER = /^\d{1,4}(\.\d{1,3})?$/;

/**
 * Reads HBP's image parameters: w, h (0–8192, 0 or absent keeps the aspect ratio),
 * q (1–100), f (webp|png|jpeg|auto), r (radius in pixels or "full"), b (blur 0.3–1000).
 * Returns undefined when none is present; anything malformed or out of range is a 400.
 */
export function parseTransform(query: Record<string, unknown>): Transform | undefined {
  const get = (k: string) => {
    const v = query[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw bad(`${k} must be given once, with a value`);
    return v;
  };
  const [w, h, q, f, r, b] = ['w', 'h', 'q', 'f', 'r', 'b'].map(get);
  if ([w, h, q, f, r, b].every((v) => v === undefined)) return undefined;

  const size = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!INT.test(v) || Number(v) > 8192) throw bad(`${name} must be a whole number from 0 to 8192`);
    return Number(v) || undefined;
  };
  const t: Transform = { width: size('w', w), height: size('h', h) };
  if (q !== undefined) {
    if (!INT.test(q) || Number(q) < 1 || Number(q) > 100) throw bad('q must be a whole number from 1 to 100');
    t.quality = Number(q);
  }
  if (f !== undefined) {
    if (!['webp', 'png', 'jpeg', 'auto'].includes(f)) throw bad('f must be webp, png, jpeg or auto');
    t.format = f as Transform['format'];
  }
  if (r !== undefined) {
    if (r !== 'full' && (!INT.test(r) || Number(r) > 8192)) throw bad('r must be a whole number of pixels or "full"');
    t.radius = r === 'full' ? 'full' : Number(r);
  }
  if (b !== undefined) {
    if (!NUMBER.test(b) || Number(b) < 0.3 || Number(b) > 1000) throw bad('b must be a number from 0.3 to 1000');
    t.blur = Number(b);
  }
  return t;
}

/** `auto` picks WebP when the client accepts it, else keeps the source format. */
export function outputFormat(t: Transform, sourceType: string, accept: string | undefined): Format {
  if (t.format && t.format !== 'auto') return t.format;
  if (t.format === 'auto' && accept?.includes('image/webp')) return 'webp';
  if (t.radius !== undefined && sourceType === 'image/jpeg') return 'png'; // transparent corners need alpha
  return sourceType === 'image/png' ? 'png' : sourceType === 'image/webp' ? 'webp' : 'jpeg';
}

/** A stable name for a variant: same source version and same parameters, same name. */
export function variantId(t: Transform, format: Format): string {
  return [t.width ?? '', t.height ?? '', t.quality ?? '', format, t.radius ?? '', t.blur ?? ''].join('_');
}
