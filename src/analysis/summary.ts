import type { AnomalyReport, ConnectionReport, EndReason, IsoTime, Summary } from '../report/model.js';
import type { ConnectionDigest } from './digest.js';

function bump(rec: Record<string, number>, key: string): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

/** Summary counts built as connections are emitted, so NDJSON streaming never has to keep them. */
export class SummaryAccumulator {
  private readonly s: Omit<Summary, 'firstPacket' | 'lastPacket'> = {
    connections: 0,
    handshakes: {},
    closes: {},
    anomalies: {},
    finalStates: { client: {}, server: {} },
    ended: {},
  };

  add(c: ConnectionReport): void {
    this.count(c.handshake.outcome, c.close.kind, c.anomalies, c.client.finalState, c.server.finalState, c.ended);
  }

  /** The same counts from a digest (what its report would say). */
  addDigest(d: ConnectionDigest): void {
    this.count(d.outcome, d.closeKind, d.anomalies, d.c.client.state, d.c.server.state, d.ended);
  }

  private count(outcome: string, closeKind: string, anomalies: readonly AnomalyReport[], clientState: string, serverState: string,
    ended: EndReason): void {
    const s = this.s;
    s.connections++;
    bump(s.handshakes as Record<string, number>, outcome);
    bump(s.closes as Record<string, number>, closeKind);
    for (const a of anomalies) bump(s.anomalies, a.code);
    bump(s.finalStates.client, clientState);
    bump(s.finalStates.server, serverState);
    bump(s.ended as Record<string, number>, ended);
  }

  build(firstPacket: IsoTime | null, lastPacket: IsoTime | null): Summary {
    const sorted = (r: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const s = this.s;
    return {
      connections: s.connections,
      handshakes: sorted(s.handshakes as Record<string, number>),
      closes: sorted(s.closes as Record<string, number>),
      anomalies: sorted(s.anomalies),
      finalStates: { client: sorted(s.finalStates.client), server: sorted(s.finalStates.server) },
      ended: sorted(s.ended as Record<string, number>),
      firstPacket,
      lastPacket,
    };
  }
}
