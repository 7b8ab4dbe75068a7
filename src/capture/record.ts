/**
 * What every capture reader hands to the rest of the pipeline: one record at a time, synchronously,
 * through a callback. The record object and the bytes behind `data` are reused for the next record,
 * so a consumer copies the numbers it needs and keeps no reference (zero-copy hot path).
 */
export interface CaptureRecord {
  /** 1-based record number within its input, like Wireshark's frame number. */
  frameNo: number;
  /** Offset of the record (pcap record header / pcapng block) from the start of the input's decompressed bytes. */
  byteOffset: number;
  /** Unix seconds of the timestamp (integer; pcapng can exceed 2^32). */
  tsSec: number;
  /** Nanoseconds within `tsSec`, 0..999_999_999, at the capture's precision. */
  tsNanos: number;
  /** Bytes present in `data` (the captured length, already bounded by the reader). */
  capLen: number;
  /** Length of the packet on the wire as the capture says. */
  origLen: number;
  /** LINKTYPE_* of the interface the record came from. */
  linkType: number;
  /** The captured bytes; valid only until the callback returns. */
  data: Uint8Array;
}

/**
 * The record the built-in readers hand out: its bytes are a window (`chunk` from `offset`, `capLen`
 * long) of the chunk being read, and `data` is only cut as a subarray when someone asks for it.
 * decodePacket reads the window directly: a subarray per record was a Buffer allocation per
 * packet (1.68M on the 1 GB benchmark capture; ~120 ms of subarray/FastBuffer self time plus
 * young-generation garbage).
 */
export class WindowedRecord implements CaptureRecord {
  frameNo = 0;
  byteOffset = 0;
  tsSec = 0;
  tsNanos = 0;
  capLen = 0;
  origLen = 0;
  linkType = 0;
  /** Holds the captured bytes at [offset, offset + capLen); valid only until the callback returns. */
  chunk: Uint8Array = new Uint8Array(0);
  offset = 0;

  get data(): Uint8Array {
    return this.chunk.subarray(this.offset, this.offset + this.capLen);
  }
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Record-level problem (tier 2 of STYLE §5): the reader stopped or resynced here. */
export interface CaptureIssue {
  code: CaptureIssueCode;
  /** Offset in the input's decompressed bytes where the problem starts. */
  byteOffset: number;
  /** Short, English detail for humans (numbers involved). */
  detail: string;
}

export type CaptureIssueCode =
  | 'TRUNCATED_RECORD_HEADER' // file ends inside a record header / block header
  | 'TRUNCATED_RECORD' // file ends inside a record's data
  | 'CAPLEN_TOO_LARGE' // absurd captured length: cannot resync in pcap, so reading stops
  | 'CONCATENATED_CAPTURE' // a second pcap file header where a record should start: read on under it
  | 'CAPLEN_EXCEEDS_SNAPLEN' // caplen > snaplen in the file header: kept, but noted
  | 'CAPLEN_EXCEEDS_ORIGLEN' // caplen > original length: kept, but noted
  | 'BAD_TIMESTAMP' // sub-second field out of range (pcap), or a time past year 275760 (pcapng)
  | 'PCAPNG_BAD_BLOCK_LENGTH' // block length not a multiple of 4, too small, or trailer mismatch
  | 'PCAPNG_BAD_SECTION' // malformed section header inside the file
  | 'PCAPNG_UNKNOWN_INTERFACE' // packet block names an interface that was never described
  | 'PCAPNG_TOO_MANY_INTERFACES' // more interface blocks in a section than are kept (MAX_INTERFACES)
  | 'PCAPNG_BLOCK_TOO_LARGE' // block claims more than the reader will buffer
  | 'PCAPNG_CAPLEN_EXCEEDS_BLOCK' // packet block's captured length runs past its block: block skipped
  | 'GZIP_ERROR' // the compressed stream is corrupt or cut short
  | 'GZIP_TRAILING_DATA' // bytes after the last gzip member that are not one: ignored, as gzip -d does
  | 'INTERRUPTED'; // the CLI stopped reading here (SIGINT, SIGTERM): the records before it count

/** The record-level issues after which a reader reads nothing more of its input: more bytes cannot mend them. */
export const STOPPING_ISSUES: ReadonlySet<CaptureIssueCode> = new Set<CaptureIssueCode>([
  'CAPLEN_TOO_LARGE', 'PCAPNG_BAD_SECTION', 'PCAPNG_BAD_BLOCK_LENGTH', 'PCAPNG_BLOCK_TOO_LARGE',
]);

/** Fatal (tier 1): nothing can be read from this input. */
export class CaptureError extends Error {
  constructor(
    // INTERRUPTED: not an error of the input; the CLI stopped reading it (SIGINT, SIGTERM).
    readonly code: 'NOT_A_CAPTURE' | 'EMPTY' | 'TRUNCATED_FILE_HEADER' | 'UNSUPPORTED_VERSION' | 'IO_ERROR' | 'GZIP_ERROR' | 'INTERRUPTED',
    readonly byteOffset: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

/** What a reader learned about its input while reading; filled in as it goes. */
export interface CaptureInfo {
  format: CaptureFormat | null;
  /** True when the bytes were gzip-compressed (detected by magic). */
  gzip: boolean;
  byteOrder: 'little' | 'big' | null;
  /** Timestamp precision in digits after the second: 6 for µs pcap, 9 for ns pcap, per interface for pcapng (max). */
  precisionDigits: number;
  snapLen: number | null;
  /** Records read per link type. */
  linkTypes: Map<number, number>;
  records: number;
  /** Decompressed bytes consumed. */
  bytes: number;
  issues: CaptureIssue[];
}

/** Adds `records` read under `linkType` to info.linkTypes. */
export function countLinkType(info: CaptureInfo, linkType: number, records: number): void {
  if (records > 0) info.linkTypes.set(linkType, (info.linkTypes.get(linkType) ?? 0) + records);
}

/** A fresh CaptureInfo for one input, before its reader has seen a byte. */
export function newCaptureInfo(): CaptureInfo {
  return {
    format: null, gzip: false, byteOrder: null, precisionDigits: 6, snapLen: null,
    linkTypes: new Map(), records: 0, bytes: 0, issues: [],
  };
}

/** Injected byte source: the core never opens files itself. */
export type ByteSource = AsyncIterable<Uint8Array>;

export type RecordSink = (rec: CaptureRecord) => void;
