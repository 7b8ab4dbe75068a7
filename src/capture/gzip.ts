/**
 * Streaming gunzip of a byte source with bounded memory and no lost output on errors.
 *
 * Why not `for await (const c of source.pipe(createGunzip()))`: when zlib fails (a corrupt or cut
 * stream), the stream is destroyed and the async iterator throws at once, dropping output that was
 * already decompressed but not yet read; a small capture read as one chunk would lose every
 * record. Here input goes in slices of SLICE bytes, each slice's output is collected from 'data'
 * events (emitted before the write callback) and handed out before the next slice is written.
 * Output held at once is bounded by SLICE times the compression ratio (DEFLATE tops out near
 * 1032:1, so 32 MiB even for a gzip bomb, and about 100 KiB for real captures). SLICE is 32 KiB
 * because each slice costs a thread-pool round trip: at 8 KiB a 100 MB capture took 0.93 s
 * against 0.43 s for plain stream gunzip; at 32 KiB it takes about 0.48 s. zlib still drops the
 * output of the one write that fails, so up to one slice's worth around the damage is lost (a
 * CRC failure in the trailer of a file smaller than a slice loses it all, which is fair: that data
 * is known to be wrong). A stream that is merely cut short fails only at end(), losing nothing.
 */
import { createGunzip } from 'node:zlib';
import type { ByteSource } from './record.js';

/** RFC 1952 §2.3.1: ID1 ID2. */
export const GZIP_MAGIC_0 = 0x1f;
export const GZIP_MAGIC_1 = 0x8b;

const SLICE = 32 * 1024;
/** Output chunk size: larger chunks mean fewer records straddling a boundary. */
const GUNZIP_CHUNK = 64 * 1024;

/**
 * Decompressed chunks of `source`. A zlib error ("incorrect data check", "unexpected end of file")
 * is thrown after every byte decompressed before it has been yielded; errors of `source` pass
 * through unchanged.
 */
export async function* gunzip(source: ByteSource): AsyncGenerator<Uint8Array> {
  const z = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const out: Buffer[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  z.on('data', (c: Buffer) => out.push(c));
  z.on('error', (e: Error) => {
    failure ??= e;
    poke();
  });
  z.on('end', poke);
  const step = (slice: Uint8Array | null): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
      if (slice) z.write(slice, poke);
      else z.end();
    });
  try {
    for await (const chunk of source) {
      for (let off = 0; off < chunk.length; off += SLICE) {
        await step(chunk.subarray(off, off + SLICE));
        for (const c of out.splice(0)) yield c;
        if (failure) throw failure;
      }
    }
    await step(null);
    for (const c of out.splice(0)) yield c;
    if (failure) throw failure;
  } finally {
    z.destroy();
  }
}
