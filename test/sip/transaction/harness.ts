/**
 * Shared setup for the transaction tests: a TransactionLayer on a FakeClock and a FakeTransport,
 * a transaction user that records what reaches it, and builders for raw SIP text.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import type { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { parseMessage } from "../../../src/sip/parser/index.js";
import type { ServerTransaction } from "../../../src/sip/transaction/server-transaction.js";
import { TransactionLayer, type TransactionUser } from "../../../src/sip/transaction/transaction-layer.js";
import { DEFAULT_TIMERS } from "../../../src/sip/transaction/timers.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

export const { T1, T2, T4 } = DEFAULT_TIMERS;

export interface RequestSpec {
  method?: string;
  uri?: string;
  /** null: no branch parameter at all (an RFC 2543 peer). */
  branch?: string | null;
  /** `host:port` of the top Via sent-by. */
  sentBy?: string;
  /** Extra Via parameters, e.g. `;rport`. */
  viaParams?: string;
  callId?: string;
  cseq?: number;
  /** Method in CSeq (defaults to `method`). */
  cseqMethod?: string;
  fromTag?: string;
  toTag?: string;
  extra?: string[];
}

export function requestText(spec: RequestSpec = {}): string {
  const method = spec.method ?? "OPTIONS";
  const lines = [
    `${method} ${spec.uri ?? "sip:2000@192.0.2.1"} SIP/2.0`,
    `Via: SIP/2.0/UDP ${spec.sentBy ?? "192.0.2.10:5060"}${spec.branch === null ? "" : `;branch=${spec.branch ?? "z9hG4bK-test-1"}`}${spec.viaParams ?? ""}`,
    "Max-Forwards: 70",
    `From: <sip:1001@192.0.2.1>;tag=${spec.fromTag ?? "from-1"}`,
    `To: <sip:2000@192.0.2.1>${spec.toTag !== undefined ? `;tag=${spec.toTag}` : ""}`,
    `Call-ID: ${spec.callId ?? "call-1@192.0.2.10"}`,
    `CSeq: ${spec.cseq ?? 1} ${spec.cseqMethod ?? method}`,
    ...(spec.extra ?? []),
    "Content-Length: 0",
    "",
    "",
  ];
  return lines.join("\r\n");
}

export function request(spec: RequestSpec = {}): Buffer {
  return Buffer.from(requestText(spec), "latin1");
}

/** Parses a buffer that the code under test produced; fails the test when it does not parse. */
export function parsed(data: Buffer | string): SipRequest | SipResponse {
  const r = parseMessage(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  assert.ok(r.ok, `sent message parses: ${r.ok ? "" : r.reason}`);
  return r.message;
}

export function parsedResponse(data: Buffer | string): SipResponse {
  const m = parsed(data);
  assert.equal(m.kind, "response");
  return m;
}

export function parsedRequest(data: Buffer | string): SipRequest {
  const m = parsed(data);
  assert.equal(m.kind, "request");
  return m;
}

export interface Delivered {
  req: SipRequest;
  tx: ServerTransaction | undefined;
  flow: Flow;
}

export function setup(opts: { reliable?: boolean; noUser?: boolean } = {}) {
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const transport = new FakeTransport({ reliable: opts.reliable ?? false });
  const layer = new TransactionLayer({ clock, log, timers: DEFAULT_TIMERS });
  const delivered: Delivered[] = [];
  const stray: SipResponse[] = [];
  const tu: TransactionUser = {
    onRequest: (req, tx, flow) => delivered.push({ req, tx, flow }),
    onStrayResponse: (res) => stray.push(res),
  };
  if (!opts.noUser) layer.setUser(tu);
  const flow = transport.flow("192.0.2.10", 5060);
  const parseErrors: Array<{ reason: string; answered: boolean }> = [];
  layer.on("parseError", (e) => parseErrors.push({ reason: e.reason, answered: e.answered }));
  return { clock, log, transport, layer, delivered, stray, flow, parseErrors };
}

/** Lets promise callbacks (transport send rejections) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
