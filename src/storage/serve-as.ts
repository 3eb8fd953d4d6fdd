/**
 * What storage may show a browser in place, on our own origin. Only passive media are
 * inline: raster images (never SVG, which is a document that runs scripts), audio, video
 * and plain text. Everything else is a download. PDF is a download too: Chromium refuses
 * its viewer under `Content-Security-Policy: sandbox`, which every storage answer carries.
 */
const INLINE_IMAGES = new Set([
  'image/png',
  'image/apng',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
]);

/** Types a browser could render as a document or run (HTML, any XML with XSLT, SVG, scripts). */
const DOCUMENT = /html|xml|xsl|svg|script|\+/;

export interface ServeAs {
  disposition: 'inline' | 'attachment';
  /** The Content-Type sent: the stored type, or application/octet-stream for documents. */
  contentType: string;
}

/** How a stored file of `type` is served: inline only from the allow-list, never as a document. */
export function serveAs(type: string): ServeAs {
  const document = DOCUMENT.test(type);
  const inline =
    !document &&
    (INLINE_IMAGES.has(type) || type === 'text/plain' || type.startsWith('audio/') || type.startsWith('video/'));
  return { disposition: inline ? 'inline' : 'attachment', contentType: document ? 'application/octet-stream' : type };
}

/** Every storage answer, file or error: nothing in it may run, load, frame or be sniffed into something else. */
export const STORAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  // Files are embedded by other sites' pages (<img>, <video>); the sandbox keeps them inert.
  'cross-origin-resource-policy': 'cross-origin',
} as const;
