import type { Settings } from '../report/model.js';

/**
 * Model defaults, each documented in docs/state-model.md and `--help`.
 * - MSL 60 s: Linux's TCP_TIMEWAIT_LEN is 60 s for the whole TIME_WAIT (RFC 9293 §3.4.2 suggests
 *   MSL = 2 min); we use 60 s as MSL so TIME_WAIT → CLOSED needs 120 s of capture, never too early.
 * - Linger 60 s: Linux's tcp_fin_timeout default for orphaned FIN_WAIT_2.
 * - Idle timeout 300 s: Zeek's tcp_inactivity_timeout. Longer than any SYN backoff (1+2+4+8+16+32 = 63 s
 *   for Linux's 6 retries), so a retransmitted SYN is never split into a new connection.
 * - 1,000,000 connections: about 200 MiB of tracking state at most.
 */
export const DEFAULT_SETTINGS: Settings = {
  mslSeconds: 60,
  lingerSeconds: 60,
  idleTimeoutSeconds: 300,
  maxConnections: 1_000_000,
  verifyChecksums: false,
};
