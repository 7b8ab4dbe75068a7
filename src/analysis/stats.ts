import type { CaptureRecord } from '../capture/record.js';
import type { DecodeStatus, PacketFields } from '../decode/fields.js';
import { TUNNEL_NAMES } from '../decode/tunnel.js';
import type { Stats } from '../report/model.js';

/** Malformed packets kept as examples in `stats.decodeErrorExamples`. */
export const MAX_DECODE_ERROR_EXAMPLES = 20;

const SKIP_REASONS = new Set<string>(['UNSUPPORTED_LINK_TYPE', 'NON_IP', 'NON_TCP', 'IP_FRAGMENT']);

export function newStats(): Stats {
  return {
    records: 0, tcpSegments: 0, skipped: {}, tunnelled: {}, decodeErrors: {}, decodeErrorExamples: [],
    truncatedRecords: 0, badChecksums: 0, timestampsBackwards: 0,
    connectionsTimedOut: 0, connectionsEvicted: 0, peakConnections: 0,
  };
}

/** Counts a TCP segment that came out of a tunnel (TUNNEL_* in decode/tunnel.ts). */
export function countTunnelled(stats: Stats, tunnel: number): void {
  const name = TUNNEL_NAMES[tunnel];
  stats.tunnelled[name] = (stats.tunnelled[name] ?? 0) + 1;
}

/** Counts a record that did not become a TCP segment: a skip (not TCP) or a decode error (malformed). */
export function countDecodeResult(stats: Stats, status: Exclude<DecodeStatus, 'OK'>, f: PacketFields, rec: CaptureRecord, file: string): void {
  if (SKIP_REASONS.has(status)) {
    stats.skipped[status] = (stats.skipped[status] ?? 0) + 1;
    return;
  }
  stats.decodeErrors[status] = (stats.decodeErrors[status] ?? 0) + 1;
  if (stats.decodeErrorExamples.length < MAX_DECODE_ERROR_EXAMPLES) {
    stats.decodeErrorExamples.push({
      code: status,
      layer: f.errLayer ?? 'link',
      file,
      frame: rec.frameNo,
      byteOffset: rec.byteOffset,
      layerOffset: f.errLayerOffset,
      need: f.errNeed >= 0 ? f.errNeed : null,
      have: f.errHave >= 0 ? f.errHave : null,
    });
  }
}
