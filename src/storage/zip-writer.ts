import { Transform, type PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

/**
 * A lean streaming zip writer (PKWARE APPNOTE 6.3): entries are written one after the other into
 * `out`, waiting for it to drain (the client's pace). Of each entry written it keeps only its
 * central directory record, packed into shared 64 KiB blocks (46 bytes plus the name, the
 * timestamp and, past 4 GiB, the zip64 fields): about 80 bytes per file, no object per entry.
 * Zip64 records are written when they are needed (65,535 entries or more, offsets or sizes past
 * 4 GiB), so a folder of any size gives a zip every reader opens.
 * Why not a library: archiver/zip-stream keep an entry object per file (about 4 KB each with their data), and
 * yazl keeps each entry's pump closure (for an in-memory entry, its deflated bytes) and looks for the next entry
 * to write by scanning its list from the start, so time grows with the square of the number of files.
 */

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** A streamed entry at least this large gets zip64 sizes in its data descriptor (deflate can grow data a little). */
const ZIP64_STREAM = 0xf0000000;
const FLAG_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;
const MADE_BY_UNIX = (3 << 8) | 45;
/** Extended timestamp extra field: tag, size, flags (mtime), mtime in Unix seconds. */
const TIMESTAMP_LENGTH = 9;
const BLOCK = 64 * 1024;

export interface ZipEntry {
  name: string;
  date: Date;
}

/** An entry's data prepared in memory: the bytes as stored (deflated or not) and what the headers say. */
export interface PreparedData {
  method: 0 | 8;
  crc: number;
  size: number;
  data: Buffer;
}

interface EntrySums {
  crc: number;
  size: number;
  compressed: number;
}

/** Appends records into 64 KiB blocks: the central directory without one object per entry. */
class Blocks {
  private readonly full: Buffer[] = [];
  private current = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  length = 0;

  push(record: Buffer) {
    if (this.used + record.length > this.current.length) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(BLOCK, record.length));
      this.used = 0;
    }
    record.copy(this.current, this.used);
    this.used += record.length;
    this.length += record.length;
  }

  *drain(): Generator<Buffer> {
    yield* this.full.splice(0);
    yield this.current.subarray(0, this.used);
  }
}

function dosDateTime(date: Date): { time: number; day: number } {
  const d = date.getFullYear() < 1980 ? new Date(1980, 0, 1) : date;
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    day: ((Math.min(d.getFullYear(), 2107) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function timestampField(date: Date): Buffer {
  const b = Buffer.alloc(TIMESTAMP_LENGTH);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeUInt32LE(Math.max(0, Math.min(U32_MAX, Math.floor(date.getTime() / 1000))), 5);
  return b;
}

/** Resolves once `out` wants more; rejects if it is closed first (the client went away). */
function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('The zip was closed'));
    out.on('drain', onDrain).on('close', onClose);
  });
}

export class ZipWriter {
  private offset = 0;
  private entries = 0;
  private readonly directory = new Blocks();

  constructor(readonly out: PassThrough) {}

  private async write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) throw new Error('The zip was closed');
    this.offset += chunk.length;
    if (!this.out.write(chunk)) await drained(this.out);
  }

  private localHeader(e: ZipEntry, name: Buffer, m: { flags: number; method: number; zip64: boolean }) {
    const { time, day } = dosDateTime(e.date);
    const extra = m.zip64 ? 20 : 0;
    const h = Buffer.alloc(30 + name.length + TIMESTAMP_LENGTH + extra);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(m.zip64 ? 45 : 20, 4);
    h.writeUInt16LE(m.flags, 6);
    h.writeUInt16LE(m.method, 8);
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(day, 12);
    // crc and sizes (14..25) are filled in by the caller when known, else zero (data descriptor follows)
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(TIMESTAMP_LENGTH + extra, 28);
    name.copy(h, 30);
    timestampField(e.date).copy(h, 30 + name.length);
    if (m.zip64) {
      // zip64 extended information with zero sizes: the data descriptor carries 8-byte sizes.
      h.writeUInt16LE(0x0001, 30 + name.length + TIMESTAMP_LENGTH);
      h.writeUInt16LE(16, 32 + name.length + TIMESTAMP_LENGTH);
      h.writeUInt32LE(U32_MAX, 18);
      h.writeUInt32LE(U32_MAX, 22);
    }
    return h;
  }

  private record(e: ZipEntry, name: Buffer, m: EntrySums & { flags: number; method: number }, at: number) {
    const wide = [m.size, m.compressed, at].filter((n) => n >= U32_MAX);
    const extra = wide.length ? 4 + 8 * wide.length : 0;
    const { time, day } = dosDateTime(e.date);
    const r = Buffer.alloc(46 + name.length + TIMESTAMP_LENGTH + extra);
    r.writeUInt32LE(0x02014b50, 0);
    r.writeUInt16LE(MADE_BY_UNIX, 4);
    r.writeUInt16LE(wide.length ? 45 : 20, 6);
    r.writeUInt16LE(m.flags, 8);
    r.writeUInt16LE(m.method, 10);
    r.writeUInt16LE(time, 12);
    r.writeUInt16LE(day, 14);
    r.writeUInt32LE(m.crc, 16);
    r.writeUInt32LE(Math.min(m.compressed, U32_MAX), 20);
    r.writeUInt32LE(Math.min(m.size, U32_MAX), 24);
    r.writeUInt16LE(name.length, 28);
    r.writeUInt16LE(TIMESTAMP_LENGTH + extra, 30);
    r.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    r.writeUInt32LE(Math.min(at, U32_MAX), 42);
    name.copy(r, 46);
    timestampField(e.date).copy(r, 46 + name.length);
    if (extra) {
      // The zip64 field holds, in this order, only the values the record marks 0xFFFFFFFF.
      let p = 46 + name.length + TIMESTAMP_LENGTH;
      r.writeUInt16LE(0x0001, p);
      r.writeUInt16LE(extra - 4, p + 2);
      p += 4;
      for (const n of wide) {
        r.writeBigUInt64LE(BigInt(n), p);
        p += 8;
      }
    }
    this.directory.push(r);
    this.entries++;
  }

  /** An entry whose data is in memory, crc and sizes known: no data descriptor. */
  async addPrepared(e: ZipEntry, p: PreparedData): Promise<void> {
    const name = Buffer.from(e.name, 'utf8');
    const at = this.offset;
    const flags = FLAG_UTF8;
    const header = this.localHeader(e, name, { flags, method: p.method, zip64: false });
    header.writeUInt32LE(p.crc, 14);
    header.writeUInt32LE(p.data.length, 18);
    header.writeUInt32LE(p.size, 22);
    await this.write(header);
    await this.write(p.data);
    this.record(e, name, { flags, method: p.method, crc: p.crc, size: p.size, compressed: p.data.length }, at);
  }

  /** An entry streamed through deflate; crc and sizes follow the data in a data descriptor. */
  async addStream(e: ZipEntry, body: Readable, expectedSize: number): Promise<void> {
    const name = Buffer.from(e.name, 'utf8');
    const at = this.offset;
    const zip64 = expectedSize >= ZIP64_STREAM;
    const flags = FLAG_UTF8 | FLAG_DESCRIPTOR;
    await this.write(this.localHeader(e, name, { flags, method: 8, zip64 }));
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, next) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        next(null, chunk);
      },
    });
    await pipeline(body, measure, createDeflateRaw({ level: 6 }), async (deflated: AsyncIterable<Buffer>) => {
      for await (const chunk of deflated) {
        compressed += chunk.length;
        await this.write(chunk);
      }
    });
    if (!zip64 && (size >= U32_MAX || compressed >= U32_MAX))
      throw new Error(`${e.name}: larger than its size said (${expectedSize} bytes)`);
    const descriptor = Buffer.alloc(zip64 ? 24 : 16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    if (zip64) {
      descriptor.writeBigUInt64LE(BigInt(compressed), 8);
      descriptor.writeBigUInt64LE(BigInt(size), 16);
    } else {
      descriptor.writeUInt32LE(compressed, 8);
      descriptor.writeUInt32LE(size, 12);
    }
    await this.write(descriptor);
    this.record(e, name, { flags, method: 8, crc, size, compressed }, at);
  }

  /** The central directory and its end records; then the output ends. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const block of this.directory.drain()) await this.write(block);
    const length = this.offset - start;
    const zip64 = this.entries >= U16_MAX || start >= U32_MAX || length >= U32_MAX;
    if (zip64) {
      const end64 = Buffer.alloc(56 + 20);
      end64.writeUInt32LE(0x06064b50, 0);
      end64.writeBigUInt64LE(44n, 4);
      end64.writeUInt16LE(MADE_BY_UNIX, 12);
      end64.writeUInt16LE(45, 14);
      end64.writeBigUInt64LE(BigInt(this.entries), 24);
      end64.writeBigUInt64LE(BigInt(this.entries), 32);
      end64.writeBigUInt64LE(BigInt(length), 40);
      end64.writeBigUInt64LE(BigInt(start), 48);
      // locator: where the zip64 end record starts
      end64.writeUInt32LE(0x07064b50, 56);
      end64.writeBigUInt64LE(BigInt(this.offset), 64);
      end64.writeUInt32LE(1, 72);
      await this.write(end64);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(this.entries, U16_MAX), 8);
    end.writeUInt16LE(Math.min(this.entries, U16_MAX), 10);
    end.writeUInt32LE(Math.min(length, U32_MAX), 12);
    end.writeUInt32LE(Math.min(start, U32_MAX), 16);
    await this.write(end);
    this.out.end();
  }
}
