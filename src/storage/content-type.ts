/** Types a browser would run or render as a document: never served inline from storage. */
const ACTIVE = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'application/javascript',
  'application/pdf',
]);

export const isActiveType = (type: string) => ACTIVE.has(type) || type.endsWith('+xml');

/** Bytes needed to recognise any type file-type knows. */
export const SNIFF_BYTES = 4100;

const TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * The stored Content-Type comes from the content: what the bytes are, when they are
 * recognisable. A declared type is kept only for content that has no signature (text,
 * JSON, CSV…); a declared binary type the bytes do not match (HTML sent as image/png)
 * becomes application/octet-stream.
 */
export async function contentTypeOf(head: Buffer, declared: string | undefined): Promise<string> {
  // Imported at the first upload (then cached): file-type costs every start a third of a second otherwise.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (!type || !TYPE.test(type)) return 'application/octet-stream';
  const signatureless =
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    isActiveType(type) ||
    type === 'application/octet-stream';
  return signatureless ? type : 'application/octet-stream';
}
