/**
 * SIP over TLS (RFC 3261 §26.3.1, transport `TLS` in Via, `sips:` Contacts): the TCP transport's
 * framing and connection reuse on Node's `tls` sockets, with pjsip's transport options:
 *
 * - `cert_file`, `priv_key_file`, `password`: our certificate (also offered as the client
 *   certificate on connections we open); `ca_list_file`, `ca_list_path`: the CAs we trust for
 *   peers' certificates (Node's bundled roots when neither is set).
 * - `method`: `tlsv1_2` / `tlsv1_3` pin that version; `tlsv1` / `tlsv1_1` allow from that version up
 *   (OpenSSL 3 refuses them at its default security level, so the cipher list drops to level 0);
 *   `sslv23`, `default`, `unspecified`: Node's default (TLS 1.2 and 1.3). SSLv2/SSLv3 do not exist
 *   in OpenSSL 3: a configuration error.
 * - `cipher`: OpenSSL cipher names, comma- or colon-separated (TLS 1.2 and below; TLS 1.3 suites
 *   are OpenSSL's defaults).
 * - `verify_client`: a certificate a phone presents must chain to a trusted CA;
 *   `require_client_cert`: a phone must present one. A refused handshake is one NOTICE saying why.
 * - `verify_server`: connections we open check the peer's certificate and name (SNI is sent for
 *   host names); `allow_wildcard_certs`: a `*.example.com` certificate may match.
 *
 * `reloadCredentials()` swaps the certificate and CAs for new connections (`core reload`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { isIP, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { checkServerIdentity, connect, createSecureContext, createServer, type PeerCertificate, type SecureContext, type SecureContextOptions, type TLSSocket } from "node:tls";
import { systemClock } from "../../core/clock.js";
import { LogThrottle } from "../../core/log-throttle.js";
import { PbxError } from "../../core/errors.js";
import { formatHostPort } from "./types.js";
import { TcpTransport, normalizeAddress, whenReady, type TcpTransportOptions } from "./tcp-transport.js";

export type TlsMethod = "default" | "unspecified" | "tlsv1" | "tlsv1_1" | "tlsv1_2" | "tlsv1_3" | "sslv2" | "sslv3" | "sslv23";

export interface TlsSettings {
  certFile: string;
  privKeyFile: string;
  password: string;
  caListFile: string;
  caListPath: string;
  method: TlsMethod;
  cipher: string;
  verifyClient: boolean;
  verifyServer: boolean;
  requireClientCert: boolean;
  allowWildcardCerts: boolean;
}

export interface TlsTransportOptions extends TcpTransportOptions {
  tls: TlsSettings;
}

/** Reads the files a TLS transport names and turns its options into Node's; throws TLS_CERT with the reason. */
export function secureContextOptions(s: TlsSettings): SecureContextOptions {
  if (s.certFile === "" || s.privKeyFile === "") {
    throw new PbxError("TLS_CERT", "protocol=tls needs cert_file and priv_key_file (make a pair with `switchboard cert`)");
  }
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new PbxError("TLS_CERT", `cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const out: SecureContextOptions = { cert: read("cert_file", s.certFile), key: read("priv_key_file", s.privKeyFile) };
  if (s.password !== "") out.passphrase = s.password;
  const ca: Buffer[] = [];
  if (s.caListFile !== "") ca.push(read("ca_list_file", s.caListFile));
  if (s.caListPath !== "") {
    let names: string[];
    try {
      names = readdirSync(s.caListPath).filter((n) => /\.(pem|crt)$/i.test(n) || /^[0-9a-f]{8}\.\d+$/i.test(n));
    } catch (err) {
      throw new PbxError("TLS_CERT", `cannot read ca_list_path ${s.caListPath}: ${(err as Error).message}`, { cause: err });
    }
    for (const n of names.sort()) ca.push(read("a CA certificate in ca_list_path", join(s.caListPath, n)));
  }
  if (ca.length > 0) out.ca = ca;
  let ciphers = s.cipher.split(/[,:]/).map((c) => c.trim()).filter(Boolean).join(":");
  switch (s.method) {
    case "tlsv1_3":
      out.minVersion = out.maxVersion = "TLSv1.3";
      break;
    case "tlsv1_2":
      out.minVersion = out.maxVersion = "TLSv1.2";
      break;
    case "tlsv1_1":
    case "tlsv1":
      out.minVersion = s.method === "tlsv1" ? "TLSv1" : "TLSv1.1";
      ciphers = `${ciphers === "" ? "DEFAULT" : ciphers}@SECLEVEL=0`;
      break;
    case "sslv2":
    case "sslv3":
      throw new PbxError("TLS_CERT", `method=${s.method} is not available (OpenSSL 3 has no SSLv2/SSLv3); use tlsv1_2 or sslv23`);
    default:
      break;
  }
  if (ciphers !== "") out.ciphers = ciphers;
  try {
    // OpenSSL checks here what reading the files cannot: the key matches the certificate, the
    // password decrypts it, the cipher list names something.
    createSecureContext(out);
  } catch (err) {
    throw new PbxError("TLS_CERT", `cert_file ${s.certFile} / priv_key_file ${s.privKeyFile}${s.cipher !== "" ? ` / cipher ${s.cipher}` : ""} not usable: ${opensslReason(err)}`, { cause: err });
  }
  return out;
}

/** OpenSSL's reason without its source location (`error:…:bad decrypt` → `bad decrypt`), on one line. */
export function opensslReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = (text.split("\n")[0] ?? "").trim();
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(first) ?? /routines:([^:]+)/.exec(first);
  return (m?.[1] ?? first).replace(/^\.\.\/.*?:\d+:/, "").trim() || text.trim();
}

/** A handshake not finished in this long ends the connection (Node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsTransport extends TcpTransport {
  override readonly protocol = "tls" as const;
  private context: SecureContextOptions;
  /** Built once (and on reload), not per outbound connection: with a large ca_list_path that costs 100 ms. */
  private clientContext: SecureContext;
  private tlsServer: ReturnType<typeof createServer> | undefined;
  private readonly throttle = new LogThrottle(systemClock);

  constructor(private readonly tlsOpts: TlsTransportOptions) {
    super(tlsOpts);
    // Read (and checked) before listening, so a bad certificate stops the start with its reason.
    this.context = secureContextOptions(tlsOpts.tls);
    this.clientContext = createSecureContext(this.context);
  }

  /**
   * `core reload`: new connections get the certificate and CAs as the files are now, and the
   * client-certificate options as they now read.
   */
  reloadCredentials(settings: TlsSettings): void {
    const next = secureContextOptions(settings);
    this.tlsServer?.setSecureContext(next);
    // Read by Node for each new connection; setSecureContext does not change it.
    if (this.tlsServer) (this.tlsServer as unknown as { requestCert: boolean }).requestCert = settings.verifyClient || settings.requireClientCert;
    this.context = next;
    this.clientContext = createSecureContext(next);
    this.tlsOpts.tls = settings;
  }

  protected override createListener(onSocket: (socket: Socket) => void): Server {
    const s = this.tlsOpts.tls;
    const server = createServer(
      { ...this.context, requestCert: s.verifyClient || s.requireClientCert, rejectUnauthorized: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      (socket: TLSSocket) => {
        const refusal = this.clientRefusal(socket);
        if (refusal !== undefined) {
          this.refused(socket, refusal);
          return;
        }
        onSocket(socket);
      },
    );
    // A banned source gets no handshake (it would cost an ECDHE computation and a log line).
    server.on("connection", (raw: Socket) => {
      const address = normalizeAddress(raw.remoteAddress ?? "");
      if (!this.tlsOpts.delegate.allow(address)) {
        this.dropped++;
        raw.destroy();
      }
    });
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      // A peer that connects and goes away (a port probe, a health check) is not news; its
      // socket no longer knows the address either. Other failures (OpenSSL's) still do.
      if (err.code === "ECONNRESET" || /socket hang up/.test(err.message)) {
        socket.destroy();
        return;
      }
      this.refused(socket, opensslReason(err));
    });
    this.tlsServer = server;
    return server;
  }

  /** Why a phone's certificate is not acceptable under verify_client / require_client_cert, if it is not. */
  private clientRefusal(socket: TLSSocket): string | undefined {
    const s = this.tlsOpts.tls;
    const cert = socket.getPeerCertificate();
    const presented = cert !== null && Object.keys(cert).length > 0;
    if (!presented) return s.requireClientCert ? "no client certificate, and require_client_cert=yes" : undefined;
    if (s.verifyClient && !socket.authorized) return `client certificate not trusted (${String(socket.authorizationError)}); verify_client=yes checks it against ca_list_file/ca_list_path`;
    return undefined;
  }

  private refused(socket: TLSSocket, why: string): void {
    this.dropped++;
    const peer = formatHostPort(normalizeAddress(socket.remoteAddress ?? ""), socket.remotePort ?? 0);
    if (this.throttle.allow((n) => this.tlsOpts.log.notice({ transport: this.id }, `${n} more refused TLS connections to transport '${this.id}' were not logged in the last 10 seconds`))) {
      this.tlsOpts.log.notice({ transport: this.id, peer }, `TLS connection from ${peer} to transport '${this.id}' refused: ${why}`);
    }
    socket.destroy();
  }

  protected override connectTo(remoteAddress: string, remotePort: number): Promise<Socket> {
    const s = this.tlsOpts.tls;
    const socket = connect({
      secureContext: this.clientContext,
      host: remoteAddress,
      port: remotePort,
      ...(isIP(remoteAddress) === 0 ? { servername: remoteAddress } : {}),
      rejectUnauthorized: s.verifyServer,
      checkServerIdentity: (host: string, cert: PeerCertificate) => serverIdentity(host, cert, s.allowWildcardCerts),
      timeout: 5000,
    });
    return whenReady(socket, "secureConnect");
  }
}

/**
 * Node's name check (subjectAltName, or the CN when there is no DNS name), and with
 * allow_wildcard_certs=no the same check once more without the certificate's wildcard names.
 */
export function serverIdentity(host: string, cert: PeerCertificate, allowWildcard: boolean): Error | undefined {
  const err = checkServerIdentity(host, cert);
  if (err !== undefined || allowWildcard || isIP(host) !== 0) return err;
  const alt = (cert.subjectaltname ?? "").split(", ").filter((n) => n !== "" && !/^DNS:\*/.test(n));
  const cn = cert.subject?.CN;
  const plain: PeerCertificate = {
    ...cert,
    subjectaltname: alt.join(", "),
    subject: { ...cert.subject, CN: typeof cn === "string" && cn.startsWith("*") ? "" : cn },
  } as PeerCertificate;
  if (alt.length === 0 && (cert.subjectaltname ?? "") !== "") {
    // Only wildcard names: Node would fall back to no name at all.
    return new Error(`${host} matches only a wildcard name of the certificate, and allow_wildcard_certs=no`);
  }
  return checkServerIdentity(host, plain) === undefined ? undefined : new Error(`${host} matches only a wildcard name of the certificate, and allow_wildcard_certs=no`);
}
