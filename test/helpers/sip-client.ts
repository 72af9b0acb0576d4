/**
 * A tiny raw SIP client for precise tests: it sends exactly the bytes the test wrote, over UDP,
 * TCP or a WebSocket (RFC 7118: one message per WebSocket message, a `*.invalid` Via and Contact
 * host as browser phones write), and collects what comes back. It does not retransmit on its own (a test that wants a
 * retransmission sends the same bytes again) and shares no code with src/.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket as TcpSocket } from "node:net";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { buildAuthorization, parseChallenge, type DigestChallenge } from "./digest.js";

const COMPACT: Readonly<Record<string, string>> = {
  i: "call-id", m: "contact", e: "content-encoding", l: "content-length", c: "content-type",
  f: "from", s: "subject", k: "supported", t: "to", v: "via",
};

/** A received SIP message, parsed just enough for assertions. */
export interface SipMessageLite {
  readonly raw: string;
  readonly isResponse: boolean;
  /** Status code (responses) or 0. */
  readonly status: number;
  readonly reason: string;
  /** Request method, or the CSeq method of a response. */
  readonly method: string;
  readonly requestUri: string;
  /** Header values by lower-case full name, in order of appearance. */
  readonly headers: ReadonlyMap<string, string[]>;
  readonly body: string;
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

/** Parses one SIP message; undefined when the start line or header block is unreadable. */
export function parseSipMessage(raw: string): SipMessageLite | undefined {
  const sep = raw.indexOf("\r\n\r\n");
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : "";
  const lines = head.split("\r\n");
  const start = lines.shift() ?? "";
  const resp = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  const req = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (resp === null && req === null) return undefined;
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      const vals = headers.get(last);
      if (vals !== undefined && vals.length > 0) vals[vals.length - 1] += " " + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    const vals = headers.get(name) ?? [];
    vals.push(value);
    headers.set(name, vals);
    last = name;
  }
  const cseqMethod = /^\d+\s+(\S+)/.exec(headers.get("cseq")?.[0] ?? "")?.[1] ?? "";
  return {
    raw,
    isResponse: resp !== null,
    status: resp !== null ? Number(resp[1]) : 0,
    reason: resp?.[2] ?? "",
    method: req?.[1] ?? cseqMethod,
    requestUri: req?.[2] ?? "",
    headers,
    body,
    header: (n) => headers.get(COMPACT[n.toLowerCase()] ?? n.toLowerCase())?.[0],
    headerAll: (n) => headers.get(COMPACT[n.toLowerCase()] ?? n.toLowerCase()) ?? [],
  };
}

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface SipClientOptions {
  readonly server: Endpoint;
  readonly localIp?: string;
  /** 0 or absent = an ephemeral port. */
  readonly localPort?: number;
}

export interface RequestOptions {
  readonly method: string;
  readonly uri?: string;
  readonly fromUser: string;
  readonly toUser?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly branch?: string;
  readonly fromTag?: string;
  readonly contact?: string;
  readonly expires?: number;
  /** Extra header lines, e.g. ["Authorization: Digest …"]. */
  readonly headers?: readonly string[];
  readonly body?: string;
}

export interface RegisterOptions {
  readonly user: string;
  readonly password: string;
  /** Digest user name when it differs from `user`. */
  readonly authUser?: string;
  /** Contact header value; defaults to <sip:user@localIp:localPort;transport=…>. Use "*" for unregister-all. */
  readonly contact?: string | null;
  readonly expires?: number;
  readonly callId?: string;
  /** CSeq of the first REGISTER; the authenticated one uses cseq + 1. */
  readonly cseq?: number;
  /** Preferred algorithm when the server offers several challenges. */
  readonly algorithm?: string;
  readonly timeoutMs?: number;
  readonly headers?: readonly string[];
}

export interface RegisterResult {
  /** The first response (normally the 401 challenge). */
  readonly challenge: SipMessageLite;
  /** The response to the authenticated REGISTER (or the first one when it was not a 401). */
  readonly final: SipMessageLite;
  /** Raw text of the authenticated REGISTER, for retransmission tests. */
  readonly authenticatedRequest?: string;
  readonly callId: string;
}

/** A random token usable in tags, branches and Call-IDs. */
export function token(bytes = 8): string {
  return randomBytes(bytes).toString("hex");
}

export interface WebSocketClientOptions {
  /** `ws://127.0.0.1:8088/ws` or `wss://…`. */
  readonly url: string;
  readonly localIp?: string;
  /** PEM CA that the WSS server's certificate must chain to; without it the certificate is not checked. */
  readonly ca?: string | Buffer;
  /** Subprotocols offered (default ["sip"]). */
  readonly protocols?: readonly string[];
}

/** UDP, TCP or WebSocket SIP client bound to one local address. */
export class SipClient {
  readonly received: SipMessageLite[] = [];
  /**
   * Via sent-by and Contact host:port. Over a WebSocket a made-up `*.invalid` name, as RFC 7118
   * §5.2 lets clients write (JsSIP does): nothing can be sent to it except over the connection.
   */
  readonly sentBy: string;
  private waiters: Array<{ pred: (m: SipMessageLite) => boolean; resolve: (m: SipMessageLite) => void }> = [];
  private tcpBuffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    readonly transport: "UDP" | "TCP" | "WS" | "WSS",
    readonly server: Endpoint,
    readonly localIp: string,
    readonly localPort: number,
    private readonly udp?: UdpSocket,
    private readonly tcp?: TcpSocket,
    private readonly ws?: WebSocket,
  ) {
    this.sentBy = ws ? `${token(5)}.invalid` : `${localIp}:${localPort}`;
    ws?.on("message", (data: Buffer) => this.deliver(data.toString("latin1")));
    ws?.on("error", () => undefined);
    udp?.on("message", (buf) => this.deliver(buf.toString("latin1")));
    tcp?.on("data", (buf) => this.onTcpData(buf));
    tcp?.on("error", () => undefined);
  }

  static async udp(o: SipClientOptions): Promise<SipClient> {
    const sock = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind({ address: o.localIp ?? "127.0.0.1", port: o.localPort ?? 0 }, () => resolve());
    });
    const a = sock.address();
    return new SipClient("UDP", o.server, a.address, a.port, sock);
  }

  static async tcp(o: SipClientOptions): Promise<SipClient> {
    const sock = await new Promise<TcpSocket>((resolve, reject) => {
      const s = connect({ host: o.server.ip, port: o.server.port, localAddress: o.localIp ?? "127.0.0.1", ...(o.localPort ? { localPort: o.localPort } : {}) });
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
    return new SipClient("TCP", o.server, sock.localAddress ?? "127.0.0.1", sock.localPort ?? 0, undefined, sock);
  }

  /**
   * A SIP client over a WebSocket to the PBX's `/ws`, offering the `sip` subprotocol. `server`
   * (the Request-URI host) is the URL's host and port.
   */
  static async webSocket(o: WebSocketClientOptions): Promise<SipClient> {
    const url = new URL(o.url);
    const secure = url.protocol === "wss:";
    const ws = new WebSocket(o.url, [...(o.protocols ?? ["sip"])], {
      localAddress: o.localIp ?? "127.0.0.1",
      ...(secure ? (o.ca !== undefined ? { ca: o.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }) : {}),
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`WebSocket handshake answered ${res.statusCode ?? 0} ${res.statusMessage ?? ""}`)));
    });
    const sock = (ws as unknown as { _socket: TcpSocket })._socket;
    const port = Number(url.port || (secure ? 443 : 80));
    return new SipClient(secure ? "WSS" : "WS", { ip: url.hostname.replace(/^\[|\]$/g, ""), port }, sock.localAddress ?? "127.0.0.1", sock.localPort ?? 0, undefined, undefined, ws);
  }

  /** The subprotocol the server selected (WebSocket clients). */
  get webSocketProtocol(): string | undefined {
    return this.ws?.protocol;
  }

  /** Resolves once the WebSocket is closed (by the server or by close()); rejects after `timeoutMs`. */
  webSocketClosed(timeoutMs = 5000): Promise<void> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the WebSocket is still open after ${timeoutMs} ms`)), timeoutMs);
      ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** `<sip:user@sentBy;transport=…>`: this client's Contact (WSS writes `transport=ws`, RFC 7118 §5.2.2). */
  contactUri(user: string): string {
    const t = this.transport === "TCP" ? ";transport=tcp" : this.ws ? ";transport=ws" : "";
    return `<sip:${user}@${this.sentBy}${t}>`;
  }

  /** Sends raw bytes (a datagram, a write on the TCP connection, or one WebSocket message). */
  send(data: string | Buffer): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    return new Promise((resolve, reject) => {
      if (this.ws !== undefined) this.ws.send(buf.toString("latin1"), (err) => (err ? reject(err) : resolve()));
      else if (this.udp !== undefined) this.udp.send(buf, this.server.port, this.server.ip, (err) => (err ? reject(err) : resolve()));
      else this.tcp?.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: SipMessageLite) => boolean, timeoutMs = 5000, skip = 0): Promise<SipMessageLite> {
    const seen = this.received.filter(pred);
    if (seen.length > skip && seen[skip] !== undefined) return Promise.resolve(seen[skip]);
    let remaining = skip - seen.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching SIP message within ${timeoutMs} ms (received ${this.received.length})`));
      }, timeoutMs);
      const waiter = {
        pred: (m: SipMessageLite) => {
          if (!pred(m)) return false;
          if (remaining-- > 0) return false;
          return true;
        },
        resolve: (m: SipMessageLite) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Builds a request with a fresh branch; Via carries rport. */
  buildRequest(o: RequestOptions): string {
    const host = `${this.server.ip}:${this.server.port}`;
    const uri = o.uri ?? (o.method === "REGISTER" ? `sip:${host}` : `sip:${o.toUser ?? o.fromUser}@${host}`);
    const toUser = o.toUser ?? o.fromUser;
    const body = o.body ?? "";
    const lines = [
      `${o.method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/${this.transport} ${this.sentBy};branch=${o.branch ?? "z9hG4bK" + token()};rport`,
      `Max-Forwards: 70`,
      `From: <sip:${o.fromUser}@${host}>;tag=${o.fromTag ?? token(4)}`,
      // An empty user means the server itself: RFC 3261 §25.1 allows no empty user before "@".
      `To: <sip:${toUser === "" ? "" : `${toUser}@`}${host}>`,
      `Call-ID: ${o.callId ?? token(12)}`,
      `CSeq: ${o.cseq ?? 1} ${o.method}`,
    ];
    if (o.contact !== undefined) lines.push(`Contact: ${o.contact}`);
    if (o.expires !== undefined) lines.push(`Expires: ${o.expires}`);
    lines.push(...(o.headers ?? []), `User-Agent: switchboard-test`, `Content-Length: ${Buffer.byteLength(body, "latin1")}`);
    return lines.join("\r\n") + "\r\n\r\n" + body;
  }

  /** Sends `raw` and resolves with the first final (>= 200) response with the same Call-ID and CSeq. */
  async request(raw: string, timeoutMs = 5000): Promise<SipMessageLite> {
    const parsed = parseSipMessage(raw);
    const callId = parsed?.header("call-id");
    const cseq = parsed?.header("cseq");
    const already = this.received.length;
    await this.send(raw);
    return this.waitFor(
      (m) => m.isResponse && m.status >= 200 && m.header("call-id") === callId && m.header("cseq") === cseq && this.received.indexOf(m) >= already,
      timeoutMs,
    );
  }

  /** OPTIONS to the server. */
  options(timeoutMs = 5000): Promise<SipMessageLite> {
    return this.request(this.buildRequest({ method: "OPTIONS", fromUser: "probe", toUser: "", uri: `sip:${this.server.ip}:${this.server.port}` }), timeoutMs);
  }

  /**
   * REGISTER with digest authentication: sends the request, answers a 401/407 challenge once
   * (qop=auth when offered), and returns both responses.
   */
  async register(o: RegisterOptions): Promise<RegisterResult> {
    const callId = o.callId ?? token(12);
    const cseq = o.cseq ?? 1;
    const fromTag = token(4);
    const contact = o.contact === null ? undefined : (o.contact ?? this.contactUri(o.user));
    const base = { method: "REGISTER", fromUser: o.user, callId, fromTag, ...(contact !== undefined ? { contact } : {}), ...(o.expires !== undefined ? { expires: o.expires } : {}) };
    const timeoutMs = o.timeoutMs ?? 5000;
    const first = await this.request(this.buildRequest({ ...base, cseq, headers: o.headers ?? [] }), timeoutMs);
    if (first.status !== 401 && first.status !== 407) return { challenge: first, final: first, callId };
    const headerName = first.status === 401 ? "www-authenticate" : "proxy-authenticate";
    const challenges = first.headerAll(headerName).map(parseChallenge).filter((c): c is DigestChallenge => c !== undefined);
    const chosen = challenges.find((c) => o.algorithm !== undefined && c.algorithm.toUpperCase() === o.algorithm.toUpperCase()) ?? challenges[0];
    if (chosen === undefined) throw new Error(`no usable Digest challenge in:\n${first.raw}`);
    const uri = `sip:${this.server.ip}:${this.server.port}`;
    const auth = buildAuthorization(chosen, { username: o.authUser ?? o.user, password: o.password, method: "REGISTER", uri });
    const authHeader = first.status === 401 ? "Authorization" : "Proxy-Authorization";
    const authenticatedRequest = this.buildRequest({ ...base, cseq: cseq + 1, uri, headers: [...(o.headers ?? []), `${authHeader}: ${auth}`] });
    const final = await this.request(authenticatedRequest, timeoutMs);
    return { challenge: first, final, authenticatedRequest, callId };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.udp?.close();
    this.tcp?.destroy();
    this.ws?.close();
  }

  /** Called with every request the server sends (e.g. to answer NOTIFYs). */
  onRequest: ((m: SipMessageLite) => void) | undefined;

  /** A 200 OK to `req`, echoing its Via, From, To (with a tag), Call-ID and CSeq. */
  okTo(req: SipMessageLite): Promise<void> {
    const to = req.header("to") ?? "";
    const lines = [
      "SIP/2.0 200 OK",
      ...req.headerAll("via").map((v) => `Via: ${v}`),
      `From: ${req.header("from") ?? ""}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=${token(4)}`}`,
      `Call-ID: ${req.header("call-id") ?? ""}`,
      `CSeq: ${req.header("cseq") ?? ""}`,
      "Content-Length: 0",
      "",
      "",
    ];
    return this.send(lines.join("\r\n"));
  }

  private deliver(raw: string): void {
    const msg = parseSipMessage(raw);
    if (msg === undefined) return;
    this.received.push(msg);
    if (!msg.isResponse) this.onRequest?.(msg);
    for (const w of [...this.waiters]) {
      if (w.pred(msg)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(msg);
      }
    }
  }

  /** RFC 3261 §18.3: on a stream, Content-Length delimits each message. */
  private onTcpData(chunk: Buffer): void {
    this.tcpBuffer = Buffer.concat([this.tcpBuffer, chunk]);
    for (;;) {
      while (this.tcpBuffer.length >= 2 && this.tcpBuffer[0] === 0x0d && this.tcpBuffer[1] === 0x0a) this.tcpBuffer = this.tcpBuffer.subarray(2);
      const end = this.tcpBuffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.tcpBuffer.subarray(0, end).toString("latin1");
      const len = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? "0");
      const total = end + 4 + len;
      if (this.tcpBuffer.length < total) return;
      this.deliver(this.tcpBuffer.subarray(0, total).toString("latin1"));
      this.tcpBuffer = this.tcpBuffer.subarray(total);
    }
  }
}

/** Sends OPTIONS every 200 ms until any response arrives; false on timeout. */
export async function probeOptions(target: Endpoint, localIp: string, timeoutMs: number): Promise<boolean> {
  const client = await SipClient.udp({ server: target, localIp });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const raw = client.buildRequest({ method: "OPTIONS", fromUser: "probe", toUser: "", uri: `sip:${target.ip}:${target.port}` });
      try {
        await client.request(raw, Math.min(200, Math.max(1, deadline - Date.now())));
        return true;
      } catch {
        // Not answered yet: try again with a fresh transaction.
      }
    }
    return false;
  } finally {
    client.close();
  }
}
