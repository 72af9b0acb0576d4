/**
 * http.conf `[general]`: Asterisk's built-in HTTP server, which ARI and SIP over WebSocket
 * (`/ws`, docs/websocket.md) are served under. Defaults are Asterisk's (main/http.c): off,
 * port 8088, at most 100 sessions, 30 s of inactivity, 15 s keep-alive. Without `bindaddr` the
 * server does not listen even when enabled, as in Asterisk ("Server Disabled").
 */
import { bool, list, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const generalOptions = [
  bool("enabled", false, "Run the HTTP server (ARI is served under it)."),
  str("bindaddr", "", "Address the HTTP server listens on; without one it does not listen."),
  uint("bindport", 8088, "TCP port of the HTTP server.", { min: 1, max: 65535 }),
  str("prefix", "", "A path segment in front of every URI: prefix=asterisk serves ARI under /asterisk/ari."),
  str("servername", "", "Value of the Server header; empty: Switchboard/<version>."),
  uint("sessionlimit", 100, "HTTP connections open at once; a further connection is closed at once.", { min: 1 }),
  uint("session_inactivity", 30000, "Milliseconds a connection may wait for a complete request before it is closed."),
  uint("session_keep_alive", 15000, "Milliseconds an idle keep-alive connection stays open after a response."),
  bool("enablestatic", false, "Serve the static files of the data directory's static-http folder.", { implemented: false, hint: "no static files are served" }),
  list("redirect", "Redirects from one URI to another (redirect=/ /static/config/index.html).", { repeat: "append", implemented: false, hint: "no redirects are served" }),
  bool("tlsenable", false, "Also serve HTTPS on tlsbindaddr, with the same URIs (enabled=yes is needed too)."),
  str("tlsbindaddr", "0.0.0.0:8089", "Address and port of the HTTPS listener (the port defaults to 8089)."),
  str("tlscertfile", "", "Certificate (PEM) of the HTTPS listener; it may also hold the private key (switchboard cert writes one)."),
  str("tlsprivatekey", "", "Private key (PEM) of the HTTPS listener; when empty it is read from tlscertfile."),
  str("tlscipher", "", "OpenSSL cipher list of the HTTPS listener (empty: Node's default)."),
] as const;

export type HttpGeneral = SchemaValues<typeof generalOptions>;

export const httpGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "http.conf [general]: whether and where the HTTP server (ARI, WebSocket) listens.",
  options: generalOptions,
};
