import type { AnomalyReport, ConnectionReport, EndReason, IsoTime, Summary } from '../report/model.js';
import type { ConnectionDigest } from './digest.js';

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** SummaryAccumulator's counts as plain data: the connections, then each map's entries. */
export interface SummaryCounts {
  connections: number;
  maps: Array<Array<[string, number]>>;
}

/**
 * Summary counts built as connections are emitted, so NDJSON streaming never has to keep them.
 * Maps, not objects: a 2M-SYN flood counts six words per connection, and an object used as a
 * dictionary cost 0.4 s of it (keyed stores in dictionary mode).
 */
export class SummaryAccumulator {
  private connections = 0;
  private readonly handshakes = new Map<string, number>();
  private readonly closes = new Map<string, number>();
  private readonly anomalies = new Map<string, number>();
  private readonly clientStates = new Map<string, number>();
  private readonly serverStates = new Map<string, number>();
  private readonly ended = new Map<string, number>();

  add(c: ConnectionReport): void {
    this.count(c.handshake.outcome, c.close.kind, c.anomalies, c.client.finalState, c.server.finalState, c.ended);
  }

  /** The same counts from a digest (what its report would say). */
  addDigest(d: ConnectionDigest): void {
    this.count(d.outcome, d.closeKind, d.anomalies, d.c.client.state, d.c.server.state, d.ended);
  }

  private count(outcome: string, closeKind: string, anomalies: readonly AnomalyReport[], clientState: string, serverState: string,
    ended: EndReason): void {
    this.connections++;
    bump(this.handshakes, outcome);
    bump(this.closes, closeKind);
    for (let i = 0; i < anomalies.length; i++) bump(this.anomalies, anomalies[i].code);
    bump(this.clientStates, clientState);
    bump(this.serverStates, serverState);
    bump(this.ended, ended);
  }

  /** The counts as plain data (for another thread's accumulator to absorb). */
  counts(): SummaryCounts {
    return {
      connections: this.connections,
      maps: [this.handshakes, this.closes, this.anomalies, this.clientStates, this.serverStates, this.ended].map((m) => [...m]),
    };
  }

  /** Adds another accumulator's counts (a shard's, threads/sharded.ts). */
  absorb(c: SummaryCounts): void {
    this.connections += c.connections;
    const maps = [this.handshakes, this.closes, this.anomalies, this.clientStates, this.serverStates, this.ended];
    c.maps.forEach((entries, i) => {
      for (const [k, n] of entries) maps[i].set(k, (maps[i].get(k) ?? 0) + n);
    });
  }

  build(firstPacket: IsoTime | null, lastPacket: IsoTime | null): Summary {
    const sorted = (m: Map<string, number>): Record<string, number> =>
      Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      connections: this.connections,
      handshakes: sorted(this.handshakes),
      closes: sorted(this.closes),
      anomalies: sorted(this.anomalies),
      finalStates: { client: sorted(this.clientStates), server: sorted(this.serverStates) },
      ended: sorted(this.ended),
      firstPacket,
      lastPacket,
    };
  }
}
