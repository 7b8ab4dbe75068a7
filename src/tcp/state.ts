/**
 * The eleven states of RFC 9293 §3.3.2, spelled as netstat and most textbooks print them.
 * The RFC's hyphenated spelling (FIN-WAIT-2) is a display detail.
 */
export const TCP_STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

/**
 * Observer-only state, kept apart from the RFC's eleven: nothing of this endpoint has been
 * seen yet, or the capture joined mid-stream and its state could not be inferred.
 */
export type ObserverState = 'UNKNOWN';
export type EndpointState = TcpState | ObserverState;
