/**
 * The only place anomaly English is written: one line from code + details (publint's
 * formatMessage). JSON users match on `code`; this text may change between releases.
 */
import { ANOMALIES, type AnomalyCode } from './catalog.js';

type Details = Record<string, number | string | boolean | null>;

function times(d: Details): string {
  const n = typeof d.count === 'number' ? d.count : 1;
  return n > 1 ? ` (${n} times)` : '';
}

export function anomalyMessage(code: AnomalyCode, who: 'client' | 'server' | null, d: Details): string {
  const w = who ?? 'connection';
  switch (code) {
    case 'HALF_OPEN':
      if (d.aborted === true) return `client SYN never answered (${d.synCount} SYN${d.synCount === 1 ? '' : 's'} over ${d.seconds} s); the client then reset its attempt`;
      return d.evicted === true
        ? `client SYN unanswered until evicted (${d.synCount} SYN${d.synCount === 1 ? '' : 's'} over ${d.seconds} s); client left in SYN_SENT`
        : typeof d.unacceptedRsts === 'number'
          ? `client SYN answered only by ${d.unacceptedRsts === 1 ? 'a RST' : `${d.unacceptedRsts} RSTs`} it would not accept (${d.synCount} SYN${d.synCount === 1 ? '' : 's'} over ${d.seconds} s); client left in SYN_SENT`
          : `client SYN never answered (${d.synCount} SYN${d.synCount === 1 ? '' : 's'} over ${d.seconds} s); client left in SYN_SENT`;
    case 'HANDSHAKE_INCOMPLETE':
      return `no ACK of the server's SYN/ACK reached it (${d.synAckCount} sent); server left in SYN_RECEIVED`;
    case 'REFUSED':
      return 'connection refused: the SYN was answered by RST';
    case 'RESET':
      // resetBy 'both': each side sent an accepted RST; `state` is the first one's sender's.
      if (d.resetBy === 'both') return `connection reset by both endpoints, first in ${d.state}`;
      return `connection reset by the ${d.resetBy} in ${d.state}${d.noConnection === true ? `, with a RST without ACK at its peer's ACK number: a host's answer for a connection it does not have (lost, or never had)` : ''}`
        + (typeof d.keepAlivesUnanswered === 'number' ? `, after ${d.keepAlivesUnanswered} keep-alive probe${d.keepAlivesUnanswered === 1 ? '' : 's'} its peer never answered` : '');
    case 'SIMULTANEOUS_OPEN':
      return 'simultaneous open: both endpoints sent a SYN and passed through SYN_RECEIVED';
    case 'SIMULTANEOUS_CLOSE':
      return 'simultaneous close: the FINs crossed and CLOSING was reached';
    // Still there at the record's end but under the threshold: the capture stopped first, which is
    // what a short CI capture of a service that does not close shows ("for 0 s ... (threshold
    // 60 s)" read as a contradiction).
    case 'LINGERING_FIN_WAIT_2':
      return short(d)
        ? `${w} still in FIN_WAIT_2 when the record ended, ${d.seconds} s after entering it: its peer had not closed (the record ended before the ${d.thresholdSeconds} s threshold)`
        : `${w} in FIN_WAIT_2 for ${d.seconds} s${d.atEnd ? ', still there when the record ended' : ''} (threshold ${d.thresholdSeconds} s)`;
    case 'LINGERING_CLOSE_WAIT':
      return short(d)
        ? `${w} still in CLOSE_WAIT when the record ended, ${d.seconds} s after entering it: its application had not closed (the record ended before the ${d.thresholdSeconds} s threshold)`
        : `${w} in CLOSE_WAIT for ${d.seconds} s${d.atEnd ? ', still there when the record ended: its application never closed' : ': its application was that slow to close'} (threshold ${d.thresholdSeconds} s)`;
    case 'SYN_RETRANSMIT':
      return `${w} retransmitted its SYN${times(d)}`;
    case 'SYNACK_RETRANSMIT':
      return `${w} retransmitted its SYN/ACK${times(d)}`;
    case 'FIN_RETRANSMIT':
      return `${w} retransmitted its FIN${times(d)}`;
    case 'BAD_HANDSHAKE_ACK': {
      // Also from the ISN, as the ladder's row numbers it (ack=7): absolute numbers alone, in the
      // billions on a real capture, did not read as that row's (helper-101 review).
      const off = ((d.gotAck as number) - (d.expectedAck as number) + 1) | 0;
      return `${w}'s ${d.segment} acknowledges ${d.gotAck} (ISN${off < 0 ? '' : '+'}${off}), expected ${d.expectedAck} (ISN+1)${times(d)}`;
    }
    case 'DATA_AFTER_FIN':
      return `${w} sent new data after its own FIN${times(d)}`;
    case 'DATA_AFTER_RESET':
      // Seen after the RST passed the capture point: sent before it arrived, or never reached by it
      // (helper-94 audit: "sent after" read as a stack sending on a connection it had reset).
      return `${w}'s data seen after the connection was reset: sent before the RST reached it, or it never got the RST${times(d)}`;
    case 'OUT_OF_WINDOW_RST':
      return `${w} sent a RST its peer would not accept (peer in ${d.receiverState}); ignored${times(d)}`;
    case 'MIDSTREAM':
      return 'capture joined the connection mid-stream: no handshake seen, roles guessed from the ports';
    case 'PORT_REUSE':
      return `4-tuple reused ${d.gapSeconds} s after connection ${d.previousId}`;
    case 'NOT_CLOSED':
      return `still open when its record ended (client ${d.clientState}, server ${d.serverState})`;
    case 'CAPTURE_LOSS':
      if (d.kind === 'gap') return `${w}'s stream has a gap of ${d.missingBytes} bytes the capture missed${times(d)}`;
      // The peer acknowledged a SYN,ACK of this endpoint's that the capture never showed.
      if (d.kind === 'syn_ack_unseen') return `${w}'s SYN,ACK was acknowledged although the capture never showed it (one direction captured?)${times(d)}`;
      return `${w}'s data was acknowledged although the capture never showed it (${d.unseenBytes} bytes)${times(d)}`;
    case 'SYN_WITH_DATA':
      return `${w} sent payload on its SYN (TCP Fast Open)`;
    case 'RST_WITH_DATA':
      return `${w} sent payload on a RST${times(d)}`;
    case 'INVALID_FLAGS':
      if (d.synTaken === true) return `${w} sent a segment with invalid flags ${d.flags}${times(d)}; a SYN+FIN that opened was taken as its SYN, the FIN ignored`;
      return `${w} sent a segment with invalid flags ${d.flags}; ignored for state${times(d)}`;
    case 'ZERO_WINDOW':
      return `${w} advertised a zero window${times(d)}`
        + (typeof d.stalledSeconds === 'number' ? `, zero for up to ${d.stalledSeconds} s${d.stillZero === true ? ' (still zero when the record ended)' : ''}` : '');
    case 'TIMESTAMP_BACKWARDS':
      return `${w}'s TCP timestamp went backwards${times(d)}`;
    case 'DUPLICATE_PACKETS':
      return `${w}'s segments were captured twice${times(d)}`;
    case 'SEQ_WRAP':
      return `${w}'s sequence numbers wrapped past 2^32`;
    case 'TIME_WAIT_REUSE':
      return `4-tuple reused while connection ${d.previousId} was in TIME_WAIT (${d.timeWaitSeconds} s after it entered)`;
    case 'TIME_WAIT_ASSASSINATION':
      return `${w} left TIME_WAIT on a RST from its peer${typeof d.timeWaitSeconds === 'number' ? ` ${d.timeWaitSeconds} s after entering it` : ''}, before its 2×MSL timer ran out (TIME-WAIT assassination, RFC 1337)${times(d)}`;
    case 'SYN_CHALLENGE_ACK':
      return `${w} answered the SYN with an ACK of ${d.previousId === null ? 'an earlier connection' : `connection ${d.previousId}`}${d.timeWait === true ? ' (in TIME_WAIT)' : ''}, not a SYN/ACK${d.reset === true ? '; the client reset that connection' : ''}${times(d)}`;
    case 'UNEXPECTED_SYN':
      return `${w} sent a SYN with a new ISN inside the open connection; ignored${times(d)}`;
    case 'OUT_OF_ORDER':
      return `${w}'s segments arrived out of order and filled the gap${times(d)}`;
    case 'KEEP_ALIVE':
      return `${w} sent keep-alive probes${times(d)}`;
    case 'ZERO_WINDOW_PROBE':
      return `${w} probed its peer's zero window${times(d)}`;
    case 'UNANSWERED_RETRANSMISSIONS':
      return `${w} resent ${d.relativeSeq === null ? `seq ${d.seq}` : `seq=${d.relativeSeq}`}${d.fin === true ? ' (with its FIN unacknowledged)' : ''} ${d.resends} times over ${d.seconds} s`
        + `${d.backoffSeconds !== '' ? ` (gaps ${String(d.backoffSeconds).replaceAll(',', ', ')} s)` : ''}, never acknowledged`
        + `${d.peerSilent === true ? ' and nothing came back' : ' by the segments its peer sent'}: the peer or the path stopped answering`
        + ' (a sender gives up without a segment, Linux after tcp_retries2: states shown open may be gone)';
    case 'SEGMENT_IN_WRONG_STATE':
      return `${w} in ${d.state}: no Figure 5 arc for this segment (${d.event})${times(d)}`;
    case 'ICMP_ERROR':
    case 'ICMP_PACKET_TOO_BIG':
      return `${w}'s ${d.syn === true ? 'SYN' : 'segment'} drew ICMP${d.icmpVersion === 6 ? 'v6' : ''} ${d.error} from ${d.from}`
        + `${typeof d.mtu === 'number' ? ` (MTU ${d.mtu})` : ''}${times(d)}`;
    default: {
      const never: never = code;
      return `${ANOMALIES[never as AnomalyCode]?.summary ?? String(never)}`;
    }
  }
}

/** A LINGERING_* still there when the record ended, before its threshold. */
function short(d: Details): boolean {
  return d.atEnd === true && typeof d.seconds === 'number' && typeof d.thresholdSeconds === 'number' && d.seconds <= d.thresholdSeconds;
}
