import { inflateRawSync } from 'node:zlib';

/**
 * The entries of a zip, read from its central directory (no zip reader is installed): enough for
 * the archives Gatehouse writes (src/storage/zip-writer.ts: stored or deflated, no comment; no zip64).
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const body = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (body.length !== size) throw new Error(`${name}: ${body.length} bytes, the directory says ${size}`);
    if (entries.has(name)) throw new Error(`${name} twice in the zip`);
    entries.set(name, body);
    at += 46 + skip;
  }
  return entries;
}
