import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { SipResponseError } from "../../../src/core/errors.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { RequestPipeline } from "../../../src/pbx/pipeline/pipeline.js";
import type { PipelineStage } from "../../../src/pbx/pipeline/request-context.js";
import { DispatchStage } from "../../../src/pbx/pipeline/stages/dispatch.js";
import type { Registrar } from "../../../src/pbx/registrar/registrar.js";
import type { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { FakeTransport } from "../../helpers/fake-transport.js";
import { Phone, SERVER_AGENT, buildPbx, responseOf } from "../harness.js";

const TRUNK_CONF = `
[trunk]
type=endpoint
aors=trunk

[trunk]
type=aor
max_contacts=1

[trunk]
type=identify
endpoint=trunk
match=198.51.100.0/24
`;

interface ReqSpec {
  method: string;
  uri?: string;
  branch: string;
  maxForwards?: string;
  toTag?: string;
  cseqMethod?: string;
}

function req(spec: ReqSpec): Buffer {
  return Buffer.from(
    [
      `${spec.method} ${spec.uri ?? "sip:2000@192.0.2.1"} SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.20:5060;branch=${spec.branch}`,
      `Max-Forwards: ${spec.maxForwards ?? "70"}`,
      "From: <sip:trunk@192.0.2.1>;tag=f1",
      `To: <sip:2000@192.0.2.1>${spec.toTag ? `;tag=${spec.toTag}` : ""}`,
      "Call-ID: pipeline-1@198.51.100.20",
      `CSeq: 1 ${spec.cseqMethod ?? spec.method}`,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
    "latin1",
  );
}

test("pipeline: stages run in the documented order sanity → identify → acl → authenticate → dispatch", () => {
  const pbx = buildPbx();
  assert.deepEqual(pbx.pipeline.stageNames, ["sanity", "identify", "acl", "authenticate", "dispatch"]);
});

test("pipeline: a Request-URI with an unsupported scheme → 416 (§8.2.2.1), before authentication", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001" });
  const res = phone.send(req({ method: "OPTIONS", uri: "tel:+15551234", branch: "z9hG4bK-p1" }));
  assert.equal(res.status, 416);
  assert.equal(res.headers.get("Server"), SERVER_AGENT);
  assert.deepEqual(pbx.securityEvents, []);
});

test("pipeline: Max-Forwards 0 on an INVITE → 483 Too Many Hops; on OPTIONS it is still answered (§11)", () => {
  const pbx = buildPbx({ conf: TRUNK_CONF });
  const phone = new Phone(pbx, { user: "trunk" });
  const before = pbx.transport.sent.length;
  pbx.layer.receive(req({ method: "INVITE", branch: "z9hG4bK-p2", maxForwards: "0" }), pbx.transport.flow(phone.ip, phone.port));
  const statuses = pbx.transport.sent.slice(before).map((p) => responseOf(p.data).status);
  assert.deepEqual(statuses, [100, 483]);
  assert.equal(phone.send(req({ method: "OPTIONS", branch: "z9hG4bK-p3", maxForwards: "0" })).status, 200);
});

test("pipeline: a method this version does not handle → 405 with Allow (§8.2.1)", () => {
  const pbx = buildPbx({ conf: TRUNK_CONF });
  const phone = new Phone(pbx, { user: "trunk" });
  const res = phone.send(req({ method: "MESSAGE", branch: "z9hG4bK-p4" }));
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("Allow"), "OPTIONS, REGISTER");
});

test("pipeline: CANCEL matching no transaction → 481 (§9.2), and is never challenged", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001" });
  const res = phone.send(req({ method: "CANCEL", branch: "z9hG4bK-nothing" }));
  assert.equal(res.status, 481);
  assert.deepEqual(pbx.securityEvents, []);
});

test("pipeline: CANCEL for an INVITE that already has its final response → 200, the INVITE is untouched", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001" });
  const flow = pbx.transport.flow(phone.ip, phone.port);
  pbx.layer.receive(req({ method: "INVITE", branch: "z9hG4bK-inv" }), flow);
  assert.equal(responseOf(pbx.transport.last()!.data).status, 401, "the INVITE was challenged");
  // `send` asserts exactly one response went out: the 200, and no 487 for the finished INVITE.
  const res = phone.send(req({ method: "CANCEL", branch: "z9hG4bK-inv" }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("CSeq"), "1 CANCEL");
});

// ---- The pipeline edge, with hand-made stages ----

function bare(stages: PipelineStage[]) {
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const transport = new FakeTransport();
  const layer = new TransactionLayer({ clock, log });
  const acks: SipRequest[] = [];
  const pipeline: RequestPipeline = new RequestPipeline({
    log,
    stages,
    decorate: (r: SipResponse) => void r.headers.append("Server", "edge-test"),
    onAck: (r) => acks.push(r),
  });
  layer.setUser(pipeline);
  const flow = transport.flow("198.51.100.20", 5060);
  const responses = () => transport.sent.map((p) => responseOf(p.data));
  return { clock, log, transport, layer, pipeline, acks, flow, responses };
}

test("pipeline edge: a stage throwing SipResponseError gets that response, with its headers and decoration", () => {
  const env = bare([
    {
      name: "busy",
      run: () => {
        throw new SipResponseError(486, "Busy Here", [["Retry-After", "30"]]);
      },
    },
  ]);
  env.layer.receive(req({ method: "OPTIONS", branch: "z9hG4bK-e1" }), env.flow);
  const [res] = env.responses();
  assert.equal(res?.status, 486);
  assert.equal(res?.headers.get("Retry-After"), "30");
  assert.equal(res?.headers.get("Server"), "edge-test");
});

test("pipeline edge: any other exception → 500 and an error line naming the peer and stage", () => {
  const env = bare([
    {
      name: "broken",
      run: () => {
        throw new TypeError("boom");
      },
    },
  ]);
  env.layer.receive(req({ method: "OPTIONS", branch: "z9hG4bK-e2" }), env.flow);
  assert.equal(env.responses()[0]?.status, 500);
  const line = env.log.find("answered 500");
  assert.ok(line);
  assert.equal(line.level, "error");
  assert.equal(line.ctx["peer"], "198.51.100.20:5060");
  assert.equal(line.ctx["stage"], "broken");
});

test("pipeline edge: an async stage that rejects is also answered 500", async () => {
  const env = bare([{ name: "async", run: async () => Promise.reject(new Error("later")) }]);
  env.layer.receive(req({ method: "OPTIONS", branch: "z9hG4bK-e3" }), env.flow);
  await new Promise((r) => setImmediate(r));
  assert.equal(env.responses()[0]?.status, 500);
});

test("pipeline edge: an ACK without a transaction (2xx ACK) goes to onAck, nothing is sent", () => {
  const env = bare([]);
  env.layer.receive(req({ method: "ACK", branch: "z9hG4bK-ack", toTag: "t" }), env.flow);
  assert.equal(env.acks.length, 1);
  assert.equal(env.transport.sent.length, 0);
});

test("dispatch: CANCEL for an INVITE still in Proceeding → 200 for the CANCEL and 487 for the INVITE (§9.2)", () => {
  // A stage that keeps INVITEs pending, as a ringing call would.
  const hold: PipelineStage = { name: "hold-invites", run: (ctx) => (ctx.req.method === "INVITE" ? "done" : "continue") };
  let layerRef: TransactionLayer | undefined;
  const env = bare([
    hold,
    new DispatchStage({
      registrar: {} as Registrar,
      respond: (ctx, r) => env.pipeline.respond(ctx, r),
      allow: () => "OPTIONS, REGISTER",
      findInviteForCancel: (r) => layerRef?.findInviteForCancel(r),
    }),
  ]);
  layerRef = env.layer;
  env.layer.receive(req({ method: "INVITE", branch: "z9hG4bK-ring" }), env.flow);
  env.layer.receive(req({ method: "CANCEL", branch: "z9hG4bK-ring" }), env.flow);
  const got = env.responses().map((r) => `${r.status} ${r.headers.get("CSeq") ?? ""}`);
  assert.deepEqual(got, ["100 1 INVITE", "200 1 CANCEL", "487 1 INVITE"]);
  // The INVITE transaction now waits for the ACK of its 487.
  env.layer.receive(req({ method: "ACK", branch: "z9hG4bK-ring", toTag: "x" }), env.flow);
  assert.equal(env.acks.length, 0, "the non-2xx ACK is absorbed by the INVITE transaction");
});
