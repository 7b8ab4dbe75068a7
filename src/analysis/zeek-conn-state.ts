/**
 * `conn_state` exactly as Zeek's `Conn::conn_state()` (scripts/base/protocols/conn/main.zeek) works
 * it out from the two endpoint states when the record is written. The checks run in Zeek's order:
 * responder reset, originator reset, closes, then the open states.
 */
import {
  CLOSED,
  ESTABLISHED,
  INACTIVE,
  PARTIAL,
  RESET,
  SYN_ACK_SENT,
  SYN_SENT,
  type ZeekEndpointState,
} from './zeek-endpoint.js';

/** `/\^?S[^HAFGIQ]*R.*` matched against the whole history (Zeek's `==` on a pattern is anchored). */
const RSTOS0_HISTORY = /^\^?S[^HAFGIQ]*R/;

export function zeekConnState(
  os: ZeekEndpointState,
  rs: ZeekEndpointState,
  origSize: number,
  respSize: number,
  history: string,
): string {
  const oInactive = os === INACTIVE || os === PARTIAL;
  const rInactive = rs === INACTIVE || rs === PARTIAL;
  if (rs === RESET) {
    if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && origSize === 0 && respSize === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === RESET) {
    if (rInactive) return RSTOS0_HISTORY.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === CLOSED && os === CLOSED) return 'SF';
  if (os === CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === SYN_SENT && rs === INACTIVE) return 'S0';
  if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
  return 'OTH';
}
