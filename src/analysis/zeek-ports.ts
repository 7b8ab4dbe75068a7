/**
 * Port tables behind two of Zeek's guesses: which side of a connection that starts without a SYN is
 * the responder (`likely_server_ports`), and which connections get a longer inactivity timeout.
 *
 * Zeek fills `likely_server_ports` from the protocol scripts it loads (each `redef
 * likely_server_ports += { ports }`), so the set depends on the run: `zeek -b` (bare mode) loads
 * only what a test asks for. We use the TCP ports of the protocol scripts a default Zeek
 * (`base/protocols/*`, 6.x–8.x) loads. Bare-mode runs can therefore flip (`^`) less often than we
 * do; docs/zeek-conformance.md lists where that matters.
 */

const LIKELY_SERVER_PORTS: readonly number[] = [
  21, 2811, // ftp
  22, // ssh
  25, 587, // smtp
  53, // dns: 5353 and 5355 are Zeek's for UDP only (helper-57 audit; they were here until 2026-12-06)
  80, 81, 631, 1080, 3128, 8000, 8080, 8888, // http (1080 is socks too)
  88, // krb
  110, // pop3
  135, // dce-rpc
  139, 445, // smb
  143, // imap
  389, 3268, // ldap
  443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223, // ssl/tls
  502, // modbus
  1434, 3306, // mysql
  1883, // mqtt
  3389, // rdp
  5222, 5269, // xmpp
  5432, // postgresql
  6379, // redis
  6666, 6667, 6668, 6669, // irc
  20000, // dnp3
];

const LIKELY = new Uint8Array(65536);
for (const p of LIKELY_SERVER_PORTS) LIKELY[p] = 1;

/** Zeek's `IPBasedAnalyzer::IsLikelyServerPort` over our default table. */
export function isLikelyServerPort(port: number): boolean {
  return LIKELY[port] === 1;
}

/**
 * Responder ports whose connections keep state for an hour instead of `tcp_inactivity_timeout`
 * (`Conn::port_inactivity_timeouts` in base/protocols/conn/inactivity.zeek: ftp, ssh, telnet, rlogin).
 */
export function isLongLivedPort(port: number): boolean {
  return port === 21 || port === 22 || port === 23 || port === 513;
}
