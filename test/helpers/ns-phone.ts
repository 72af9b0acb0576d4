/**
 * A minimal SIP phone on an NsSipSocket (a socket inside a namespace), written for tests that read
 * what a server puts on the wire: it registers with digest, answers OPTIONS, places and answers
 * calls with a fixed PCMU offer, and sends in-dialog requests (ACK, BYE) to the remote target the
 * server gave it, so a Contact the phone cannot reach fails the call. Shares no code with src/.
 */
import { buildAuthorization, parseChallenge } from "./digest.js";
import type { NsSipSocket, Received } from "./ns-socket.js";
import { token, type Endpoint, type SipMessageLite } from "./sip-client.js";

export interface NsPhoneOptions {
  readonly user: string;
  readonly password: string;
  /** Where the phone sends out-of-dialog requests (its registrar / outbound proxy). */
  readonly server: Endpoint;
  /** RTP port written into the phone's SDP (nothing listens; the tests read signalling). */
  readonly rtpPort?: number;
}

/** An established call as the phone sees it. */
export interface PhoneDialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** The local and remote URIs of From/To as this side uses them. */
  readonly localUri: string;
  readonly remoteUri: string;
  /** The peer's Contact URI, where in-dialog requests go. */
  readonly remoteTarget: string;
  localSeq: number;
}

/** The host and port of a SIP URI (`sip:user@host:port;params`); port defaults to 5060. */
export function uriHostPort(uri: string): Endpoint {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?/i.exec(uri.replace(/^<|>$/g, ""));
  return { ip: m?.[1] ?? "", port: Number(m?.[2] ?? 5060) };
}

/** The URI inside a name-addr (`"x" <sip:…>;tag=…`) or a bare addr-spec. */
export function nameAddrUri(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return (m?.[1] ?? value.split(";")[0] ?? "").trim();
}

function tagOf(value: string | undefined): string {
  return /;\s*tag=([^;\s]+)/i.exec(value ?? "")?.[1] ?? "";
}

export class NsPhone {
  private readonly transportParam: string;

  constructor(
    readonly sock: NsSipSocket,
    private readonly o: NsPhoneOptions,
  ) {
    this.transportParam = sock.transport === "TCP" ? ";transport=tcp" : "";
    sock.onMessage((r) => {
      // Qualify pings and the far end's BYE get a 200, as a phone would answer.
      if (!r.msg.isResponse && (r.msg.method === "OPTIONS" || r.msg.method === "BYE")) this.respond(r, 200, "OK");
    });
  }

  get user(): string {
    return this.o.user;
  }

  get contactUri(): string {
    return `sip:${this.o.user}@${this.sock.localIp}:${this.sock.localPort}${this.transportParam}`;
  }

  private get serverHost(): string {
    return `${this.o.server.ip}:${this.o.server.port}`;
  }

  private via(branch = `z9hG4bK${token()}`): string {
    return `SIP/2.0/${this.sock.transport} ${this.sock.localIp}:${this.sock.localPort};branch=${branch};rport`;
  }

  private sdp(): string {
    const ip = this.sock.localIp;
    return [
      "v=0", `o=- ${Date.now()} 1 IN IP4 ${ip}`, "s=-", `c=IN IP4 ${ip}`, "t=0 0",
      `m=audio ${this.o.rtpPort ?? 40000} RTP/AVP 0 101`, "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendrecv", "",
    ].join("\r\n");
  }

  private message(startLine: string, headers: readonly string[], body = ""): string {
    return [startLine, ...headers, "User-Agent: switchboard-test-phone", `Content-Length: ${Buffer.byteLength(body, "latin1")}`].join("\r\n") + "\r\n\r\n" + body;
  }

  /** Where a request for `uri` goes: to the URI's host over UDP, down the connection over TCP. */
  private destination(uri: string): Endpoint | undefined {
    return this.sock.transport === "TCP" ? undefined : uriHostPort(uri);
  }

  /** REGISTER with digest; resolves with the final response. */
  async register(expires = 300): Promise<SipMessageLite> {
    const callId = token(12);
    const fromTag = token(4);
    const uri = `sip:${this.serverHost}`;
    const base = (cseq: number, extra: readonly string[]): string =>
      this.message(`REGISTER ${uri} SIP/2.0`, [
        `Via: ${this.via()}`, "Max-Forwards: 70",
        `From: <sip:${this.o.user}@${this.serverHost}>;tag=${fromTag}`, `To: <sip:${this.o.user}@${this.serverHost}>`,
        `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`, `Contact: <${this.contactUri}>`, `Expires: ${expires}`, ...extra,
      ]);
    const first = await this.sock.request(base(1, []), this.o.server);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.header("www-authenticate") ?? "");
    if (challenge === undefined) throw new Error(`no Digest challenge in\n${first.raw}`);
    const auth = buildAuthorization(challenge, { username: this.o.user, password: this.o.password, method: "REGISTER", uri });
    return this.sock.request(base(2, [`Authorization: ${auth}`]), this.o.server);
  }

  /** Sends a response to a request the server sent, back to where it came from (RFC 3581). */
  respond(req: Received, status: number, reason: string, o: { toTag?: string; contact?: boolean; body?: string } = {}): void {
    const m = req.msg;
    const to = m.header("to") ?? "";
    const headers = [
      ...m.headerAll("via").map((v) => `Via: ${v}`),
      `From: ${m.header("from") ?? ""}`,
      `To: ${o.toTag !== undefined && tagOf(to) === "" ? `${to};tag=${o.toTag}` : to}`,
      `Call-ID: ${m.header("call-id") ?? ""}`,
      `CSeq: ${m.header("cseq") ?? ""}`,
      ...(o.contact === true ? [`Contact: <${this.contactUri}>`] : []),
      ...(o.body !== undefined ? ["Content-Type: application/sdp"] : []),
    ];
    this.sock.send(this.message(`SIP/2.0 ${status} ${reason}`, headers, o.body ?? ""), this.sock.transport === "UDP" ? req.from : undefined);
  }

  /** Waits for the next request of `method` from the server that arrived after `after`. */
  waitRequest(method: string, timeoutMs = 5000, after: readonly Received[] = []): Promise<Received> {
    const skip = new Set(after);
    return this.sock.waitFor((r) => !skip.has(r) && !r.msg.isResponse && r.msg.method === method, timeoutMs, `${method} request`);
  }

  /** Answers an incoming INVITE: 180, then 200 with SDP; resolves once the ACK has arrived. */
  async answer(invite: Received, timeoutMs = 5000): Promise<PhoneDialog> {
    const localTag = token(4);
    this.respond(invite, 180, "Ringing", { toTag: localTag, contact: true });
    const before = [...this.sock.received];
    this.respond(invite, 200, "OK", { toTag: localTag, contact: true, body: this.sdp() });
    const callId = invite.msg.header("call-id") ?? "";
    await this.sock.waitFor((r) => !before.includes(r) && r.msg.method === "ACK" && !r.msg.isResponse && r.msg.header("call-id") === callId, timeoutMs, "ACK for our 200");
    return {
      callId, localTag, remoteTag: tagOf(invite.msg.header("from")),
      localUri: nameAddrUri(invite.msg.header("to") ?? ""), remoteUri: nameAddrUri(invite.msg.header("from") ?? ""),
      remoteTarget: nameAddrUri(invite.msg.header("contact") ?? ""), localSeq: 0,
    };
  }

  /**
   * INVITE `toUser` through the server with digest on 401/407, ACKing every final response;
   * resolves with the 200 and the dialog (its ACK sent to the 200's Contact).
   */
  async call(toUser: string, timeoutMs = 10000): Promise<{ ok: SipMessageLite; dialog: PhoneDialog }> {
    const callId = token(12);
    const fromTag = token(4);
    const uri = `sip:${toUser}@${this.serverHost}`;
    const from = `<sip:${this.o.user}@${this.serverHost}>;tag=${fromTag}`;
    const to = `<${uri}>`;
    const invite = (cseq: number, branch: string, extra: readonly string[]): string =>
      this.message(
        `INVITE ${uri} SIP/2.0`,
        [`Via: ${this.via(branch)}`, "Max-Forwards: 70", `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`, `Contact: <${this.contactUri}>`, "Content-Type: application/sdp", ...extra],
        this.sdp(),
      );
    let cseq = 1;
    let branch = `z9hG4bK${token()}`;
    let res = await this.sock.request(invite(cseq, branch, []), this.o.server, timeoutMs);
    if (res.status === 401 || res.status === 407) {
      this.ackNon2xx(res, uri, from, callId, cseq, branch);
      const header = res.status === 401 ? "www-authenticate" : "proxy-authenticate";
      const challenge = parseChallenge(res.header(header) ?? "");
      if (challenge === undefined) throw new Error(`no Digest challenge in\n${res.raw}`);
      const auth = buildAuthorization(challenge, { username: this.o.user, password: this.o.password, method: "INVITE", uri });
      cseq++;
      branch = `z9hG4bK${token()}`;
      res = await this.sock.request(invite(cseq, branch, [`${res.status === 401 ? "Authorization" : "Proxy-Authorization"}: ${auth}`]), this.o.server, timeoutMs);
    }
    if (res.status !== 200) {
      this.ackNon2xx(res, uri, from, callId, cseq, branch);
      throw new Error(`INVITE ${uri} answered ${res.status} ${res.reason}`);
    }
    const dialog: PhoneDialog = {
      callId, localTag: fromTag, remoteTag: tagOf(res.header("to")), localUri: `sip:${this.o.user}@${this.serverHost}`, remoteUri: uri,
      remoteTarget: nameAddrUri(res.header("contact") ?? ""), localSeq: cseq,
    };
    // RFC 3261 §13.2.2.4: the ACK for a 2xx is a new transaction to the remote target.
    this.sock.send(this.inDialog(dialog, "ACK", cseq), this.destination(dialog.remoteTarget));
    return { ok: res, dialog };
  }

  /** §17.1.1.3: the ACK for a non-2xx final response reuses the INVITE's branch and Request-URI. */
  private ackNon2xx(res: SipMessageLite, uri: string, from: string, callId: string, cseq: number, branch: string): void {
    this.sock.send(
      this.message(`ACK ${uri} SIP/2.0`, [`Via: ${this.via(branch)}`, "Max-Forwards: 70", `From: ${from}`, `To: ${res.header("to") ?? ""}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]),
      this.o.server,
    );
  }

  private inDialog(d: PhoneDialog, method: string, cseq: number): string {
    return this.message(`${method} ${d.remoteTarget} SIP/2.0`, [
      `Via: ${this.via()}`, "Max-Forwards: 70",
      `From: <${d.localUri}>;tag=${d.localTag}`, `To: <${d.remoteUri}>;tag=${d.remoteTag}`,
      `Call-ID: ${d.callId}`, `CSeq: ${cseq} ${method}`, `Contact: <${this.contactUri}>`,
    ]);
  }

  /** BYE to the dialog's remote target; resolves with the final response. */
  hangup(d: PhoneDialog, timeoutMs = 5000): Promise<SipMessageLite> {
    d.localSeq++;
    return this.sock.request(this.inDialog(d, "BYE", d.localSeq), this.destination(d.remoteTarget), timeoutMs);
  }
}
