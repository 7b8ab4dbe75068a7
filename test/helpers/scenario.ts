/**
 * A tiny DSL for TCP conversations, written as the textbook ladder diagrams draw them:
 *
 *   const s = new Scenario();
 *   const { a, b } = s;          // a = client, b = server
 *   a.syn(); b.synAck(); a.ack(); a.data(100); b.ack(); a.fin(); b.ack(); b.fin(); a.ack();
 *   const report = await s.run();
 *
 * Each side tracks its own next sequence number and, by default, acknowledges everything the
 * peer has sent so far; any field can be overridden to draw a crossing, a loss or a bad ACK.
 * Times advance 100 µs per packet unless `wait(ms)` says otherwise, so captures are deterministic.
 * Packets become Ethernet/IPv4 (or IPv6) frames in a pcap via the shared pcap-writer.
 */
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/decode/fields.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import type { ConnectionReport, RunReport } from '../../src/report/model.js';
import { ethernetIPv4Tcp, ethernetIPv6Tcp, tcpOptions, type TcpOptionSpec } from './packet-builder.js';
import { fromBytes, writePcap, type PacketIn } from './pcap-writer.js';

export interface SegmentOptions {
  /** Absolute sequence number (default: the side's next). */
  seq?: number;
  /** Absolute acknowledgment number (default: everything the peer sent). */
  ack?: number;
  /** Acknowledge this many bytes less than everything the peer sent (e.g. 1 = not its FIN). */
  ackLess?: number;
  /** Leave the ACK flag off. */
  noAck?: boolean;
  window?: number;
  options?: TcpOptionSpec;
  /** Keep only this many bytes of the frame in the capture (snaplen cut). */
  snap?: number;
  /** Do not advance the side's sequence number (a retransmission drawn by hand). */
  keepSeq?: boolean;
  /** IPv4 Identification (default 0; IPv6 has none). */
  ipId?: number;
}

interface Sent {
  flags: number;
  seq: number;
  ack: number;
  len: number;
  o: SegmentOptions;
}

export class Side {
  /** Next sequence number to send (uint32). */
  nxt: number;
  /** Initial sequence number. */
  isn: number;
  last: Sent | null = null;
  peer!: Side;

  constructor(
    private readonly s: Scenario,
    readonly ip: string,
    readonly port: number,
    isn: number,
  ) {
    this.isn = isn;
    this.nxt = isn;
  }

  /** A new incarnation on the same port (tuple reuse): fresh ISN. */
  reset(isn: number): this {
    this.isn = isn;
    this.nxt = isn;
    this.last = null;
    return this;
  }

  /** Bare SYN (sequence number = ISN). */
  syn(o: SegmentOptions = {}): this {
    return this.send(TCP_SYN, 0, { noAck: true, options: { mss: 1460, wscale: 7, sackPermitted: true }, seq: this.isn, ...o });
  }

  synAck(o: SegmentOptions = {}): this {
    return this.send(TCP_SYN | TCP_ACK, 0, { options: { mss: 1460, wscale: 7, sackPermitted: true }, seq: this.isn, ...o });
  }

  ack(o: SegmentOptions = {}): this {
    return this.send(TCP_ACK, 0, o);
  }

  data(len: number, o: SegmentOptions = {}): this {
    return this.send(TCP_PSH | TCP_ACK, len, o);
  }

  fin(o: SegmentOptions = {}): this {
    return this.send(TCP_FIN | TCP_ACK, 0, o);
  }

  rst(o: SegmentOptions = {}): this {
    return this.send(TCP_RST, 0, { noAck: true, keepSeq: true, ...o });
  }

  rstAck(o: SegmentOptions = {}): this {
    return this.send(TCP_RST | TCP_ACK, 0, { keepSeq: true, ...o });
  }

  /** Sends the previous segment of this side again, unchanged. */
  again(): this {
    const l = this.last!;
    return this.send(l.flags, l.len, { ...l.o, seq: l.seq, ack: l.ack, noAck: (l.flags & TCP_ACK) === 0, keepSeq: true });
  }

  /** Any flags; payload length `len`. */
  send(flags: number, len: number, o: SegmentOptions = {}): this {
    const seq = (o.seq ?? this.nxt) >>> 0;
    const ack = o.noAck ? 0 : ((o.ack ?? this.peer.nxt - (o.ackLess ?? 0)) >>> 0);
    const f = o.noAck ? flags & ~TCP_ACK : flags;
    const occupies = len + ((f & TCP_SYN) ? 1 : 0) + ((f & TCP_FIN) ? 1 : 0);
    if (!o.keepSeq) {
      const end = (seq + occupies) >>> 0;
      // only move forward (mod 2^32), so a hand-drawn retransmission never rewinds the side
      if (((end - this.nxt) | 0) > 0) this.nxt = end;
    }
    this.last = { flags: f, seq, ack, len, o };
    this.s.push(this, f, seq, ack, len, o);
    return this;
  }
}

export interface ScenarioOptions {
  v6?: boolean;
  /** Nanosecond pcap (default µs). */
  nano?: boolean;
  clientIsn?: number;
  serverIsn?: number;
  clientPort?: number;
  serverPort?: number;
  /** Capture start, Unix seconds. */
  start?: number;
}

export class Scenario {
  readonly a: Side;
  readonly b: Side;
  private readonly packets: PacketIn[] = [];
  private tMicros = 0;
  private readonly start: number;

  constructor(private readonly opts: ScenarioOptions = {}) {
    const v6 = opts.v6 ?? false;
    this.start = opts.start ?? 1_700_000_000;
    this.a = new Side(this, v6 ? '2001:db8::1' : '10.0.0.1', opts.clientPort ?? 40000, opts.clientIsn ?? 1000);
    this.b = new Side(this, v6 ? '2001:db8::2' : '10.0.0.2', opts.serverPort ?? 80, opts.serverIsn ?? 5000);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /** Advance the capture clock. */
  wait(ms: number): this {
    this.tMicros += Math.round(ms * 1000);
    return this;
  }

  push(from: Side, flags: number, seq: number, ack: number, len: number, o: SegmentOptions): void {
    const to = from.peer;
    const spec = {
      src: from.ip, dst: to.ip, sport: from.port, dport: to.port, seq, ack, flags,
      window: o.window ?? 64240, payload: len,
      options: o.options ? tcpOptions(o.options) : undefined, ipId: o.ipId,
    };
    let data = this.opts.v6 ? ethernetIPv6Tcp(spec) : ethernetIPv4Tcp(spec);
    const origLen = data.length;
    if (o.snap !== undefined) data = data.subarray(0, o.snap);
    const t = this.tMicros;
    this.packets.push({ tsSec: this.start + Math.floor(t / 1e6), tsNanos: (t % 1e6) * 1000, data, origLen });
    this.tMicros += 100;
  }

  get packetCount(): number {
    return this.packets.length;
  }

  /** The frames so far, to mix several scenarios into one capture. */
  get frames(): readonly PacketIn[] {
    return this.packets;
  }

  pcap(): Uint8Array {
    return writePcap(this.packets, { nano: this.opts.nano ?? false });
  }

  async run(opts: AnalyzeOptions = {}): Promise<RunReport> {
    return analyze([{ name: 'scenario.pcap', bytes: fromBytes(this.pcap()) }], { ladder: true, ...opts });
  }
}

/** One row per packet: [from, flags, clientState, serverState] from the ladder. */
export function stateRows(c: ConnectionReport): [string, string, string, string][] {
  return (c.ladder ?? []).map((r) => [r.from, r.flags, r.clientState, r.serverState]);
}

/** The states an endpoint went through, first `from` then every `to`. */
export function statePath(c: ConnectionReport, role: 'client' | 'server'): string[] {
  const tr = c[role].transitions;
  return tr.length ? [tr[0].from, ...tr.map((t) => t.to)] : [c[role].finalState];
}

/** The report minus what changes with the tool version: for golden files. */
export function goldenOf(r: RunReport): string {
  return `${JSON.stringify({ summary: r.summary, stats: r.stats, connections: r.connections }, null, 2)}\n`;
}
