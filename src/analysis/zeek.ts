/**
 * CONTRACT STUB (to be replaced by the Zeek-conformance work): per-connection model of what Zeek's
 * conn.log would say (`conn_state`, `history`). The tracker creates one per connection and feeds it
 * every segment of that connection, in capture order.
 */
import type { PacketFields } from '../decode/fields.js';

export interface ZeekVerdict {
  connState: string;
  history: string;
}

export class ZeekConnModel {
  /** `fromClient` is relative to our roles (the client sent the first bare SYN, or was guessed). */
  onSegment(_f: PacketFields, _fromClient: boolean, _tNanos: number): void {}

  result(): ZeekVerdict {
    return { connState: 'OTH', history: '' };
  }
}
