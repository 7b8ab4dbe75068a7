import type { Settings } from '../report/model.js';

/**
 * Model defaults, each documented in docs/state-model.md and `--help`.
 * - MSL 60 s: Linux's TCP_TIMEWAIT_LEN is 60 s for the whole TIME_WAIT (RFC 9293 §3.4.2 suggests
 *   MSL = 2 min); we use 60 s as MSL so TIME_WAIT → CLOSED needs 120 s of capture, never too early.
 * - Linger 60 s: Linux's tcp_fin_timeout default for orphaned FIN_WAIT_2.
 * - Idle timeout 300 s: Zeek's tcp_inactivity_timeout. Longer than any SYN backoff (1+2+4+8+16+32 = 63 s
 *   for Linux's 6 retries), so a retransmitted SYN is never split into a new connection.
 * - 50,000 connections tracked at once. A tracked connection costs about 2.7 KB (endpoints, history,
 *   Zeek model), and the cap is what bounds a SYN flood. Measured on the 2M-SYN flood
 *   (gen-capture --flood 2000000, NDJSON to /dev/null), peak RSS: 176 MiB at 20k, 230 MiB at 50k,
 *   304 MiB at 100k, 905 MiB at 1M. 50k keeps a flood under 256 MiB and is far above the ~1,000
 *   concurrent connections of a busy host; raise it with --max-connections for load-balancer
 *   captures (evictions are counted in stats and marked on each evicted connection).
 */
export const DEFAULT_SETTINGS: Settings = {
  mslSeconds: 60,
  lingerSeconds: 60,
  idleTimeoutSeconds: 300,
  maxConnections: 50_000,
  verifyChecksums: false,
};
