/**
 * Shared setup for the session tests: a SessionLayer over a fake transaction port (it records
 * every request with its client-transaction delegate and every stateless message), a fake INVITE
 * server transaction that records responses, a FakeClock and a FakeTransport flow (UDP or TCP), plus
 * builders for the peer's messages.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import type { SipMessage, SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { parseMessage, serializeMessage } from "../../../src/sip/parser/index.js";
import type { ClientTransactionDelegate } from "../../../src/sip/transaction/client-transaction.js";
import { DEFAULT_TIMERS } from "../../../src/sip/transaction/timers.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { MessageFactory, SessionLayer, type InviteServerPort, type TransactionPort } from "../../../src/sip/session/index.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

export const { T1, T2 } = DEFAULT_TIMERS;
export const SDP = "v=0\r\no=peer 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
export const OUR_SDP = "v=0\r\no=sb 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
export const sdp = (body = OUR_SDP) => ({ body, contentType: "application/sdp" });

export interface SentRequest {
  req: SipRequest;
  flow: Flow;
  delegate: ClientTransactionDelegate;
}

export class FakeTransactionPort implements TransactionPort {
  timers = DEFAULT_TIMERS;
  readonly requests: SentRequest[] = [];
  readonly stateless: SipMessage[] = [];

  sendRequest(req: SipRequest, flow: Flow, delegate: ClientTransactionDelegate): void {
    // Serialize and parse, as the wire would: what we check is what a peer would read.
    this.requests.push({ req: reparse(req) as SipRequest, flow, delegate });
  }

  sendStateless(msg: SipMessage): void {
    this.stateless.push(reparse(msg));
  }

  methods(): string[] {
    return this.requests.map((r) => r.req.method);
  }

  last(method: string): SentRequest {
    const r = this.requests.filter((x) => x.req.method === method).at(-1);
    assert.ok(r, `a ${method} was sent (sent: ${this.methods().join(", ") || "nothing"})`);
    return r;
  }

  acks(): SipRequest[] {
    return this.stateless.filter((m): m is SipRequest => m.kind === "request" && m.method === "ACK");
  }
}

export class FakeServerTx implements InviteServerPort {
  readonly responses: SipResponse[] = [];
  respond(res: SipResponse): void {
    this.responses.push(reparse(res) as SipResponse);
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

export function reparse(m: SipMessage): SipMessage {
  const r = parseMessage(serializeMessage(m));
  assert.ok(r.ok, `our message parses: ${r.ok ? "" : r.reason}`);
  return r.message;
}

export function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text.replace(/\r?\n/g, "\r\n"), "latin1"));
  assert.ok(r.ok, `test message parses: ${r.ok ? "" : r.reason}`);
  return r.message;
}

export function setup(opts: { reliable?: boolean; protocol?: "udp" | "tcp" | "tls" } = {}) {
  const clock = new FakeClock();
  const port = new FakeTransactionPort();
  const transport = new FakeTransport({ reliable: opts.reliable ?? opts.protocol === "tcp", ...(opts.protocol ? { protocol: opts.protocol } : {}) });
  const flow = transport.flow("192.0.2.10", 5060);
  const factory = new MessageFactory({ userAgent: () => "Switchboard-test" });
  const layer = new SessionLayer({ env: { clock, transactions: port }, factory });
  return { clock, port, transport, flow, factory, layer };
}

export interface InviteSpec {
  callId?: string;
  /** null: no tag at all (an RFC 2543 peer). */
  fromTag?: string | null;
  /** The Contact value; null leaves the header out. */
  contact?: string | null;
  cseq?: number;
  recordRoute?: string[];
  extra?: string[];
  body?: string | undefined;
}

/** An INVITE from the peer (192.0.2.10) to 2000 at our address. */
export function inviteFrom(spec: InviteSpec = {}): SipRequest {
  const body = spec.body === undefined ? SDP : spec.body;
  const lines = [
    "INVITE sip:2000@192.0.2.1 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-inv-1",
    "Max-Forwards: 70",
    `From: "Alice" <sip:1001@192.0.2.1>${spec.fromTag === null ? "" : `;tag=${spec.fromTag ?? "alice-1"}`}`,
    "To: <sip:2000@192.0.2.1>",
    `Call-ID: ${spec.callId ?? "call-1@192.0.2.10"}`,
    `CSeq: ${spec.cseq ?? 10} INVITE`,
    ...(spec.contact === null ? [] : [`Contact: ${spec.contact ?? "<sip:1001@192.0.2.10:5060>"}`]),
    ...(spec.recordRoute ?? []).map((r) => `Record-Route: ${r}`),
    ...(spec.extra ?? []),
    ...(body ? ["Content-Type: application/sdp"] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ];
  return parse(lines.join("\r\n")) as SipRequest;
}

/** A request inside the dialog from the peer, e.g. BYE, re-INVITE, ACK, PRACK. */
export function inDialogFrom(o: { method: string; toTag: string; cseq: number; cseqMethod?: string; callId?: string; fromTag?: string | null; extra?: string[]; body?: string; branch?: string }): SipRequest {
  const body = o.body ?? "";
  const lines = [
    `${o.method} sip:1001@192.0.2.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${o.branch ?? `z9hG4bK-${o.method.toLowerCase()}-${o.cseq}`}`,
    "Max-Forwards: 70",
    `From: "Alice" <sip:1001@192.0.2.1>${o.fromTag === null ? "" : `;tag=${o.fromTag ?? "alice-1"}`}`,
    `To: <sip:2000@192.0.2.1>;tag=${o.toTag}`,
    `Call-ID: ${o.callId ?? "call-1@192.0.2.10"}`,
    `CSeq: ${o.cseq} ${o.cseqMethod ?? o.method}`,
    "Contact: <sip:1001@192.0.2.10:5060>",
    ...(o.extra ?? []),
    ...(body ? ["Content-Type: application/sdp"] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ];
  return parse(lines.join("\r\n")) as SipRequest;
}

/** The callee's response to a request we sent (Via, From, Call-ID, CSeq copied; To with its tag). */
export function responseTo(req: SipRequest, status: number, o: { toTag?: string; extra?: string[]; body?: string; contact?: string } = {}): SipResponse {
  const body = o.body ?? "";
  const to = req.headers.get("To") ?? "";
  const lines = [
    `SIP/2.0 ${status} ${status === 200 ? "OK" : status === 180 ? "Ringing" : status === 183 ? "Session Progress" : "Whatever"}`,
    ...req.headers.getAll("Via").map((v) => `Via: ${v}`),
    `From: ${req.headers.get("From") ?? ""}`,
    `To: ${o.toTag && !/;tag=/.test(to) ? `${to};tag=${o.toTag}` : to}`,
    `Call-ID: ${req.headers.get("Call-ID") ?? ""}`,
    `CSeq: ${req.headers.get("CSeq") ?? ""}`,
    ...(status > 100 && status < 300 ? [`Contact: ${o.contact ?? "<sip:callee@192.0.2.20:5070>"}`] : []),
    ...(o.extra ?? []),
    ...(body ? ["Content-Type: application/sdp"] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ];
  return parse(lines.join("\r\n")) as SipResponse;
}

/** Collects `respond` calls of the session layer (in-dialog requests). */
export function responder(): { responses: SipResponse[]; respond: (r: SipResponse) => void; statuses: () => number[] } {
  const responses: SipResponse[] = [];
  return { responses, respond: (r) => responses.push(reparse(r) as SipResponse), statuses: () => responses.map((r) => r.status) };
}

export function tagOf(header: string | undefined): string {
  return /;\s*tag=([^;>\s]+)/.exec(header ?? "")?.[1] ?? "";
}
