/**
 * `type=transport`: a SIP listener plus the NAT address rewriting that applies to messages sent
 * through it (reference §1.2). Default ports follow the protocol: 5060 for udp/tcp, 5061 for tls.
 */
import { existsSync } from "node:fs";
import { bool, cidrList, hostPort, oneOf, str, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

export const TRANSPORT_PROTOCOLS = ["udp", "tcp", "tls", "ws", "wss", "flow"] as const;
const TLS_METHODS = ["default", "unspecified", "tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3", "sslv2", "sslv3", "sslv23"] as const;
const TLS = {} as const;

const transportOptions = [
  oneOf("protocol", TRANSPORT_PROTOCOLS, "udp", "Transport protocol. ws and wss are served by the HTTP server, not by bind."),
  hostPort("bind", { host: "0.0.0.0", port: 0 }, "0.0.0.0", "IP address and optional port to listen on; without a port, 5060 (udp, tcp) or 5061 (tls)."),
  cidrList("local_net", "Network (CIDR or dotted mask) considered local: no NAT rewriting toward it. Repeatable."),
  str("external_media_address", "", "Address written into SDP for media when the far end is outside local_net."),
  str("external_signaling_address", "", "Address written into Contact/Via when the far end is outside local_net."),
  uint("external_signaling_port", 0, "Port written with external_signaling_address (0 = the bind port).", { max: 65535 }),
  str("external_signaling_hostname", "", "Host name written instead of external_signaling_address.", { implemented: false }),
  str("domain", "", "Domain this transport serves.", { implemented: false }),
  str("password", "", "Password for the TLS private key.", TLS),
  str("cert_file", "", "TLS certificate file (PEM).", TLS),
  str("priv_key_file", "", "TLS private key file (PEM).", TLS),
  str("ca_list_file", "", "File of trusted CA certificates.", TLS),
  str("ca_list_path", "", "Directory of trusted CA certificates.", TLS),
  str("cipher", "", "Comma list of allowed TLS ciphers.", TLS),
  oneOf("method", TLS_METHODS, "default", "TLS protocol version to use.", TLS),
  bool("verify_client", false, "Require and verify TLS client certificates.", TLS),
  bool("verify_server", false, "Verify the server's TLS certificate on outbound connections.", TLS),
  bool("require_client_cert", false, "Require a client certificate.", TLS),
  bool("allow_wildcard_certs", false, "Accept wildcard certificates when verifying the server.", TLS),
  str("tos", "0", "DSCP/TOS value for SIP packets.", { implemented: false }),
  uint("cos", 0, "802.1p class of service for SIP packets.", { implemented: false, max: 7 }),
  uint("websocket_write_timeout", 100, "Milliseconds to wait when writing to a websocket.", { implemented: false }),
  bool("allow_reload", false, "Re-create this transport on reload when its settings change.", { implemented: false }),
  bool("symmetric_transport", false, "Send requests back over the transport the endpoint's last request came in on.", { implemented: false }),
  uint("async_operations", 1, "Number of simultaneous asynchronous operations (fixed; kept for compatibility).", { implemented: false }),
  bool("tcp_keepalive_enable", false, "Enable TCP keepalive on connections.", { implemented: false }),
  uint("tcp_keepalive_idle_time", 30, "Seconds of idle time before TCP keepalive probes.", { implemented: false }),
  uint("tcp_keepalive_interval_time", 1, "Seconds between TCP keepalive probes.", { implemented: false }),
  uint("tcp_keepalive_probe_count", 5, "Unanswered probes before a TCP connection is closed.", { implemented: false }),
] as const;

export type TransportValues = SchemaValues<typeof transportOptions>;
export type TransportConfig = TransportValues & ObjectOrigin;

export const transportSchema: ObjectSchema<typeof transportOptions> = {
  type: "transport",
  synopsis: "A SIP listener (protocol + bind address) and its NAT settings.",
  options: transportOptions,
  finalize(values) {
    if (values.bind.port === 0 && (values.protocol === "udp" || values.protocol === "tcp" || values.protocol === "tls")) {
      values.bind = { host: values.bind.host, port: values.protocol === "tls" ? 5061 : 5060 };
    }
    return values.protocol === "tls" ? tlsProblems(values) : [];
  },
};

/** A TLS transport that could not start: what is missing, said at load and by `switchboard check`. */
function tlsProblems(v: TransportValues): string[] {
  const out: string[] = [];
  if (v.certFile === "" || v.privKeyFile === "") out.push("protocol=tls needs cert_file and priv_key_file; make a pair with `switchboard cert`");
  for (const [name, file] of [["cert_file", v.certFile], ["priv_key_file", v.privKeyFile], ["ca_list_file", v.caListFile], ["ca_list_path", v.caListPath]] as const) {
    if (file !== "" && !existsSync(file)) out.push(`${name}=${file} does not exist`);
  }
  if (v.verifyClient && v.caListFile === "" && v.caListPath === "") {
    out.push("verify_client=yes needs ca_list_file or ca_list_path: without them a certificate from any public CA would pass");
  }
  if (v.method === "sslv2" || v.method === "sslv3") out.push(`method=${v.method} is not available (OpenSSL 3 has no SSLv2/SSLv3); use tlsv1_2 or sslv23`);
  return out;
}
