/**
 * The RFC 6665 notifier with fakes: a SUBSCRIBE parsed from text, a transaction layer that
 * records the NOTIFYs it is asked to send, a manual clock. Checks what every event package
 * relies on: the count of NOTIFYs a body sees, a change NOTIFYing only the subscriptions on that
 * resource, the end of a subscription (Expires: 0, noresource, timeout), and 406 for an Accept
 * without the package's type.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { parseMessage } from "../../../src/sip/parser/index.js";
import type { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { MessageFactory } from "../../../src/sip/session/message-factory.js";
import type { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import type { ServerTransaction } from "../../../src/sip/transaction/server-transaction.js";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";
import { SubscriptionServer, type EventPackage } from "../../../src/pbx/subscriptions/subscription-server.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

const cfg = buildPjsipConfig(parseConfigText("[watcher]\ntype=endpoint\ncontext=hints\n", "pjsip.conf"));
const endpoint = cfg.endpoints.get("watcher")!;
const transport = new FakeTransport({ localAddress: "192.0.2.1", localPort: 5060 });
const flow = transport.flow("192.0.2.10", 5070);

function harness() {
  const clock = new FakeClock();
  const sent: SipRequest[] = [];
  const transactions = { sendRequest: (req: SipRequest) => void sent.push(req) } as unknown as TransactionLayer;
  const server = new SubscriptionServer({ transactions: () => transactions, factory: new MessageFactory({ userAgent: () => "test" }), clock, log: new CaptureLogger() });
  const states = new Map([["2002", "idle"], ["2003", "idle"]]);
  const pkg: EventPackage = {
    event: "dialog",
    contentType: "application/dialog-info+xml",
    resolve: (_ep, user) => (states.has(user) ? user : undefined),
    body: (resource, _ep, _host, sub) => `${resource}:${states.get(resource) ?? "gone"}:v${sub.notifies}`,
  };
  server.addPackage(pkg);
  const subscribe = (user: string, o: { callId?: string; expires?: number; accept?: string; toTag?: string; cseq?: number } = {}): SipResponse => {
    const text =
      `SUBSCRIBE sip:${user}@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK${Math.random().toString(36).slice(2)}\r\n` +
      `From: <sip:watcher@192.0.2.1>;tag=w1\r\nTo: <sip:${user}@192.0.2.1>${o.toTag ? `;tag=${o.toTag}` : ""}\r\nCall-ID: ${o.callId ?? `c-${user}`}\r\nCSeq: ${o.cseq ?? 1} SUBSCRIBE\r\n` +
      `Contact: <sip:watcher@192.0.2.10:5070>\r\nEvent: dialog\r\nExpires: ${o.expires ?? 600}\r\n${o.accept ? `Accept: ${o.accept}\r\n` : ""}Content-Length: 0\r\n\r\n`;
    const parsed = parseMessage(Buffer.from(text));
    assert.ok(parsed.ok && parsed.message.kind === "request");
    const req = parsed.message;
    let res: SipResponse | undefined;
    if (o.toTag !== undefined) server.inDialog(req, {} as ServerTransaction, (r) => (res = r));
    else server.outOfDialog({ req, endpoint, flow, log: new CaptureLogger(), peer: "192.0.2.10:5070" } as unknown as RequestContext, (r) => (res = r));
    assert.ok(res);
    return res;
  };
  const bodies = (): string[] => sent.map((r) => `${r.headers.get("Subscription-State")} ${r.body?.toString() ?? ""}`);
  return { server, clock, sent, states, subscribe, bodies };
}

test("subscription server: each NOTIFY's body sees the count before it; a change NOTIFYs only that resource's watchers", () => {
  const h = harness();
  assert.equal(h.subscribe("2002").status, 200);
  assert.equal(h.subscribe("2003").status, 200);
  h.states.set("2002", "early");
  h.server.changed("dialog", (r) => r === "2002");
  h.states.set("2002", "confirmed");
  h.server.changed("dialog", (r) => r === "2002");
  assert.deepEqual(h.bodies(), ["active;expires=600 2002:idle:v0", "active;expires=600 2003:idle:v0", "active;expires=600 2002:early:v1", "active;expires=600 2002:confirmed:v2"]);
  assert.equal(h.sent[0]?.headers.get("Content-Type"), "application/dialog-info+xml");
  assert.equal(h.sent[0]?.headers.get("Event"), "dialog");
});

test("subscription server: Expires: 0 in the dialog ends it with a terminated NOTIFY; later changes send nothing", () => {
  const h = harness();
  const ok = h.subscribe("2002");
  const tag = /;tag=([^;>\s]+)/.exec(ok.headers.get("To") ?? "")?.[1];
  assert.ok(tag);
  assert.equal(h.subscribe("2002", { toTag: tag, expires: 0, cseq: 2 }).status, 200);
  assert.deepEqual(h.bodies(), ["active;expires=600 2002:idle:v0", "terminated;reason=timeout 2002:idle:v1"]);
  h.server.changed("dialog", () => true);
  assert.equal(h.sent.length, 2);
  assert.equal(h.subscribe("2002", { toTag: tag, cseq: 3 }).status, 481);
});

test("subscription server: terminate() ends the picked subscriptions with the reason (noresource); the time running out ends with timeout", () => {
  const h = harness();
  h.subscribe("2002");
  h.subscribe("2003", { expires: 60 });
  h.states.delete("2002");
  h.server.terminate("dialog", (s) => s.resource === "2002", "noresource");
  assert.equal(h.bodies()[2], "terminated;reason=noresource 2002:gone:v1");
  assert.deepEqual(h.server.list("dialog").map((s) => s.resource), ["2003"]);
  h.clock.advance(60_000);
  assert.equal(h.bodies()[3], "terminated;reason=timeout 2003:idle:v1");
  assert.deepEqual(h.server.list("dialog"), []);
});

test("subscription server: an Accept without the package's type is 406 with Accept; a resource it does not know is 404", () => {
  const h = harness();
  const res = h.subscribe("2002", { accept: "application/xpidf+xml" });
  assert.equal(res.status, 406);
  assert.equal(res.headers.get("Accept"), "application/dialog-info+xml");
  assert.equal(h.subscribe("2002", { accept: "application/dialog-info+xml, multipart/related" }).status, 200);
  assert.equal(h.subscribe("9999").status, 404);
});
