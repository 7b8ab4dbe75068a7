import type { ConnectionReport, IsoTime, Summary } from '../report/model.js';

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
    const s = this.s;
    s.connections++;
    bump(s.handshakes as Record<string, number>, c.handshake.outcome);
    bump(s.closes as Record<string, number>, c.close.kind);
    for (const a of c.anomalies) bump(s.anomalies, a.code);
    bump(s.finalStates.client, c.client.finalState);
    bump(s.finalStates.server, c.server.finalState);
    bump(s.ended as Record<string, number>, c.ended);
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
