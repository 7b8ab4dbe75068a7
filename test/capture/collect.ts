/** Runs readCapture and keeps a copy of every record (the reader reuses one object and its bytes). */
import { readCapture, type ReadCaptureOptions } from '../../src/capture/open.js';
import { CaptureError, newCaptureInfo, type ByteSource, type CaptureInfo } from '../../src/capture/record.js';

export { newCaptureInfo as newInfo };

export interface RecordCopy {
  frameNo: number;
  byteOffset: number;
  tsSec: number;
  tsNanos: number;
  capLen: number;
  origLen: number;
  linkType: number;
  data: string;
}

export interface Collected {
  records: RecordCopy[];
  info: CaptureInfo;
  error: CaptureError | null;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export async function collect(source: ByteSource, opts?: ReadCaptureOptions): Promise<Collected> {
  const info = newCaptureInfo();
  const records: RecordCopy[] = [];
  let error: CaptureError | null = null;
  try {
    await readCapture(source, info, (r) => {
      if (r.data.length !== r.capLen) throw new Error(`record ${r.frameNo}: data.length ${r.data.length} != capLen ${r.capLen}`);
      records.push({
        frameNo: r.frameNo, byteOffset: r.byteOffset, tsSec: r.tsSec, tsNanos: r.tsNanos,
        capLen: r.capLen, origLen: r.origLen, linkType: r.linkType, data: hex(r.data),
      });
    }, opts);
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
    error = err;
  }
  return { records, info, error };
}

/** The fields that do not depend on the container format. */
export function content(records: RecordCopy[]): Omit<RecordCopy, 'byteOffset'>[] {
  return records.map(({ byteOffset: _b, ...rest }) => rest);
}
