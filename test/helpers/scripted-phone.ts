/**
 * A phone written for tests, for what baresip 1.0 cannot do: send an attended transfer's REFER
 * with Replaces, an INVITE with Replaces, answer a call while the test keeps its dialog's tags.
 * It calls with digest authentication, ACKs, answers the PBX's NOTIFY/BYE/CANCEL, and has a real
 * RTP socket: it can play a tone as PCMU and keep what arrives, so audio to and from it is heard
 * like a phone's. It shares no code with src/ except the G.711 tables used to make its tone.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { linearToUlaw } from "../../src/media/codec/g711.js";
import { buildAuthorization, parseChallenge } from "./digest.js";
import { decodeRtp, type CapturedDatagram, type DecodedWindow } from "./rtp-capture.js";
import { SipClient, token, type SipMessageLite } from "./sip-client.js";

/** One call of the scripted phone: the dialog as it sees it. */
export interface UaCall {
  callId: string;
  fromTag: string;
  toTag: string;
  /** The PBX's Contact: the Request-URI of requests in the dialog. */
  target: string;
  to: string;
  cseq: number;
}

export class ScriptedPhone {
  /** What arrived on the RTP socket. */
  readonly rtpIn: CapturedDatagram[] = [];
  private toneTimer: ReturnType<typeof setInterval> | undefined;
  /** Incoming INVITEs are answered by `answerWith` (default: 180 only, the phone rings). */
  answerWith: "ring" | "answer" = "ring";
  /** INVITEs the PBX sent this phone, with the tag it answered with. */
  readonly incoming: Array<{ invite: SipMessageLite; toTag: string }> = [];

  private constructor(
    readonly sip: SipClient,
    private readonly rtp: Socket,
    private readonly user: string,
    private readonly password: string,
  ) {
    sip.onRequest = (m) => this.onRequest(m);
    rtp.on("message", (payload, rinfo) => this.rtpIn.push({ at: Date.now(), srcPort: rinfo.port, dstPort: this.rtpPort, payload }));
  }

  static async start(ip: string, server: { ip: string; port: number }, user: string, password: string): Promise<ScriptedPhone> {
    const rtp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      rtp.once("error", reject);
      rtp.bind({ address: ip, port: 0 }, () => resolve());
    });
    return new ScriptedPhone(await SipClient.udp({ server, localIp: ip }), rtp, user, password);
  }

  /**
   * The same phone signalling over a WebSocket (RFC 7118) to `url` (`wss://…/ws`), as a browser
   * phone does; its media is still plain RTP on `ip`. Register it with `phone.sip.register()`.
   */
  static async startWebSocket(ip: string, url: string, user: string, password: string, ca?: string | Buffer): Promise<ScriptedPhone> {
    const rtp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      rtp.once("error", reject);
      rtp.bind({ address: ip, port: 0 }, () => resolve());
    });
    return new ScriptedPhone(await SipClient.webSocket({ url, localIp: ip, ...(ca !== undefined ? { ca } : {}) }), rtp, user, password);
  }

  get rtpPort(): number {
    return this.rtp.address().port;
  }

  /** NOTIFY (a REFER's progress), BYE, CANCEL: 200. INVITE: 180, and 200 with our SDP when `answerWith` is "answer". ACK: nothing. */
  private onRequest(m: SipMessageLite): void {
    if (m.method === "ACK") return;
    if (m.method !== "INVITE") {
      void this.sip.okTo(m);
      return;
    }
    const known = this.incoming.find((i) => i.invite.header("call-id") === m.header("call-id"));
    const toTag = known?.toTag ?? token(4);
    if (!known) this.incoming.push({ invite: m, toTag });
    this.learnRemote(m.body);
    void this.sip.send(this.response(m, 180, "Ringing", toTag));
    if (this.answerWith === "answer") void this.sip.send(this.response(m, 200, "OK", toTag, this.sdp()));
  }

  private response(req: SipMessageLite, status: number, reason: string, toTag: string, body = ""): string {
    const to = req.header("to") ?? "";
    return [
      `SIP/2.0 ${status} ${reason}`,
      ...req.headerAll("via").map((v) => `Via: ${v}`),
      `From: ${req.header("from") ?? ""}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=${toTag}`}`,
      `Call-ID: ${req.header("call-id") ?? ""}`,
      `CSeq: ${req.header("cseq") ?? ""}`,
      `Contact: ${this.sip.contactUri(this.user)}`,
      ...(body ? ["Content-Type: application/sdp"] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
  }

  private remote: { ip: string; port: number } | undefined;

  /** The PBX's RTP address from an SDP (offer or answer). */
  private learnRemote(sdp: string): void {
    const ip = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
    const port = /^m=audio (\d+)/m.exec(sdp)?.[1];
    if (ip && port) this.remote = { ip, port: Number(port) };
  }

  /** Sends a PCMU tone to where the PBX's SDP said, 20 ms a packet, until stopTone(). */
  playTone(hz: number): void {
    let seq = 1;
    let ts = 0;
    let phase = 0;
    const ssrc = Math.floor(Math.random() * 0xffffffff);
    this.toneTimer = setInterval(() => {
      if (!this.remote) return;
      const pkt = Buffer.alloc(12 + 160);
      pkt[0] = 0x80;
      pkt[1] = 0;
      pkt.writeUInt16BE(seq++ & 0xffff, 2);
      pkt.writeUInt32BE(ts >>> 0, 4);
      pkt.writeUInt32BE(ssrc >>> 0, 8);
      for (let i = 0; i < 160; i++) {
        pkt[12 + i] = linearToUlaw(Math.round(8000 * Math.sin(phase)));
        phase += (2 * Math.PI * hz) / 8000;
      }
      ts += 160;
      this.rtp.send(pkt, this.remote.port, this.remote.ip);
    }, 20);
  }

  /** The audio that arrived (PCMU/PCMA decoded) between two times, ms since the epoch. */
  heard(from = 0, to = Date.now()): DecodedWindow {
    return decodeRtp(this.rtpIn, from, to);
  }

  private get host(): string {
    return `${this.sip.server.ip}:${this.sip.server.port}`;
  }

  private sdp(): string {
    const ip = this.sip.localIp;
    return `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${this.rtpPort} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
  }

  private invite(to: string, callId: string, fromTag: string, cseq: number, auth?: string, extra: readonly string[] = []): string {
    const body = this.sdp();
    return [
      `INVITE sip:${to}@${this.host} SIP/2.0`,
      `Via: SIP/2.0/${this.sip.transport} ${this.sip.sentBy};branch=z9hG4bK${token()};rport`,
      "Max-Forwards: 70",
      `From: <sip:${this.user}@${this.host}>;tag=${fromTag}`,
      `To: <sip:${to}@${this.host}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} INVITE`,
      `Contact: ${this.sip.contactUri(this.user)}`,
      "Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY",
      ...(auth ? [`Authorization: ${auth}`] : []),
      ...extra,
      "Content-Type: application/sdp",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
  }

  /** Calls `to` until it answers; the 401 is answered with credentials. `extra`: header lines (Replaces). */
  async call(to: string, extra: readonly string[] = []): Promise<UaCall> {
    const callId = token(12);
    const fromTag = token(4);
    const first = await this.sip.request(this.invite(to, callId, fromTag, 1, undefined, extra), 10000);
    let final = first;
    if (first.status === 401) {
      await this.ackNon2xx(first);
      const ch = parseChallenge(first.header("www-authenticate") ?? "");
      assert.ok(ch, "a digest challenge");
      const auth = buildAuthorization(ch, { username: this.user, password: this.password, method: "INVITE", uri: `sip:${to}@${this.host}` });
      final = await this.sip.request(this.invite(to, callId, fromTag, 2, auth, extra), 15000);
    }
    assert.equal(final.status, 200, `${this.user} → ${to}: ${final.raw}`);
    this.learnRemote(final.body);
    const toHeader = final.header("to") ?? "";
    const toTag = /;tag=([^;>\s]+)/.exec(toHeader)?.[1] ?? "";
    const target = /<([^>]+)>/.exec(final.header("contact") ?? "")?.[1] ?? `sip:${to}@${this.host}`;
    const c: UaCall = { callId, fromTag, toTag, target, to: toHeader, cseq: Number(/^(\d+)/.exec(final.header("cseq") ?? "")?.[1] ?? "1") };
    await this.sip.send(this.inDialog(c, "ACK", c.cseq));
    return c;
  }

  /** §17.1.1.3: the ACK for a non-2xx final response, in the INVITE's transaction. */
  private ackNon2xx(res: SipMessageLite): Promise<void> {
    const cseq = /^(\d+)/.exec(res.header("cseq") ?? "")?.[1] ?? "1";
    const user = /<sip:([^@>]+)@/.exec(res.header("to") ?? "")?.[1] ?? "";
    const lines = [`ACK sip:${user}@${this.host} SIP/2.0`, `Via: ${res.header("via") ?? ""}`, "Max-Forwards: 70", `From: ${res.header("from") ?? ""}`, `To: ${res.header("to") ?? ""}`, `Call-ID: ${res.header("call-id") ?? ""}`, `CSeq: ${cseq} ACK`, "Content-Length: 0", "", ""];
    return this.sip.send(lines.join("\r\n"));
  }

  inDialog(c: UaCall, method: string, cseq: number, headers: string[] = []): string {
    return [
      `${method} ${c.target} SIP/2.0`,
      `Via: SIP/2.0/${this.sip.transport} ${this.sip.sentBy};branch=z9hG4bK${token()};rport`,
      "Max-Forwards: 70",
      `From: <sip:${this.user}@${this.host}>;tag=${c.fromTag}`,
      `To: ${c.to}`,
      `Call-ID: ${c.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: ${this.sip.contactUri(this.user)}`,
      ...headers,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
  }

  /** REFER in `first`'s dialog, to `second`'s callee, replacing `second` (RFC 3891 in Refer-To). */
  refer(first: UaCall, second: UaCall, to: string): Promise<SipMessageLite> {
    const replaces = encodeURIComponent(`${second.callId};to-tag=${second.toTag};from-tag=${second.fromTag}`);
    first.cseq++;
    return this.sip.request(this.inDialog(first, "REFER", first.cseq, [`Refer-To: <sip:${to}@${this.host}?Replaces=${replaces}>`, `Referred-By: <sip:${this.user}@${this.host}>`]), 5000);
  }

  private closed = false;

  /** Stops the tone and closes the sockets; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.toneTimer) clearInterval(this.toneTimer);
    this.sip.close();
    this.rtp.close();
  }
}

