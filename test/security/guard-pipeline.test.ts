/**
 * The guard in the request path: the pbx test harness re-wired with the flood stage and with
 * identify publishing InvalidAccountID, the way src/server.ts wires them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase } from "../../src/core/db/index.js";
import { nullLogger } from "../../src/core/logger.js";
import { RequestPipeline } from "../../src/pbx/pipeline/pipeline.js";
import type { RequestContext } from "../../src/pbx/pipeline/request-context.js";
import { AuthenticateStage } from "../../src/pbx/pipeline/stages/authenticate.js";
import { DispatchStage } from "../../src/pbx/pipeline/stages/dispatch.js";
import { FloodStage } from "../../src/pbx/pipeline/stages/flood.js";
import { IdentifyStage } from "../../src/pbx/pipeline/stages/identify.js";
import { SanityStage } from "../../src/pbx/pipeline/stages/sanity.js";
import { BanStore } from "../../src/security/ban-store.js";
import { Guard } from "../../src/security/guard.js";
import { DigestAuthenticator } from "../../src/sip/auth/index.js";
import type { SipResponse } from "../../src/sip/message/message.js";
import { Phone, buildPbx, type Pbx } from "../pbx/harness.js";
import { guardConfig } from "./helpers.js";

function guarded(conf = ""): Pbx & { guard: Guard } {
  const pbx = buildPbx();
  const config = guardConfig(conf);
  const guard = new Guard({
    config: () => config,
    store: new BanStore(openDatabase(":memory:", nullLogger), { log: nullLogger, batchWrites: false }),
    clock: pbx.clock,
    log: pbx.log.child({ category: "security.guard" }),
    events: pbx.events,
    localNets: () => [],
    accountExists: (u) => pbx.directory.endpoint(u) !== undefined || pbx.directory.byAuthUser(u).length > 0,
  });
  const respond = (ctx: RequestContext, r: SipResponse) => pipeline.respond(ctx, r);
  const pipeline: RequestPipeline = new RequestPipeline({
    log: pbx.log.child({ category: "pbx.pipeline" }),
    decorate: () => {},
    stages: [
      new SanityStage(),
      new FloodStage(guard),
      new IdentifyStage(() => pbx.directory, () => pbx.cfg.global.endpointIdentifierOrder, { events: pbx.events, clock: pbx.clock }),
      new AuthenticateStage({ digest: new DigestAuthenticator({ clock: pbx.clock }), directory: () => pbx.directory, defaultRealm: () => pbx.cfg.global.defaultRealm, events: pbx.events, log: pbx.log.child({ category: "pbx.auth" }), respond, clock: pbx.clock }),
      new DispatchStage({ registrar: pbx.registrar, respond, allow: () => "OPTIONS, REGISTER", findInviteForCancel: (r) => pbx.layer.findInviteForCancel(r) }),
    ],
  });
  pbx.layer.setUser(pipeline);
  return { ...pbx, guard };
}

/** Sends raw text from `phone` and returns how many packets the PBX sent back. */
function sendRaw(pbx: Pbx, phone: Phone, text: string): number {
  const before = pbx.transport.sent.length;
  pbx.layer.receive(Buffer.from(text, "latin1"), pbx.transport.flow(phone.ip, phone.port));
  return pbx.transport.sent.length - before;
}

test("guard pipeline: a legitimate phone registers with the guard on and its address becomes trusted", () => {
  const pbx = guarded();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001", ip: "198.51.100.20" });
  assert.equal(phone.registerWithAuth().status, 200);
  assert.equal(pbx.guard.isTrusted("198.51.100.20"), true);
});

test("guard pipeline: an unknown account raises exactly one InvalidAccountID per request and keeps the NOTICE", () => {
  const pbx = guarded();
  const phone = new Phone(pbx, { user: "9999", password: "whatever", ip: "198.51.100.30" });
  const first = phone.register();
  assert.equal(first.status, 401);
  assert.equal(phone.register({ authorization: phone.answer(first, "REGISTER") }).status, 401);
  assert.equal(pbx.securityEvents.filter((e) => e.type === "InvalidAccountID").length, 2);
  assert.ok(pbx.log.records.some((r) => r.level === "notice" && r.msg.includes("No matching endpoint found")));
});

test("guard pipeline: OPTIONS from nobody raises no InvalidAccountID", () => {
  const pbx = guarded();
  const phone = new Phone(pbx, { user: "9999", ip: "198.51.100.31" });
  assert.equal(phone.options().status, 200);
  assert.equal(pbx.securityEvents.filter((e) => e.type === "InvalidAccountID").length, 0);
});

test("guard pipeline: a scanner User-Agent gets no response and its address is banned", () => {
  const pbx = guarded();
  const phone = new Phone(pbx, { user: "6001", ip: "198.51.100.40" });
  assert.equal(sendRaw(pbx, phone, phone.registerText().replace("TestPhone/1.0", "friendly-scanner")), 0);
  assert.equal(pbx.guard.allowPacket("198.51.100.40"), false);
  assert.deepEqual(pbx.layer.dump(), [], "the dropped transaction was closed");
});

test("guard pipeline: after maxretry wrong passwords even the right password gets no response from that address", () => {
  const pbx = guarded();
  const attacker = new Phone(pbx, { user: "6001", password: "wrong", ip: "198.51.100.50" });
  for (let i = 0; i < 5; i++) {
    const challenge = attacker.register();
    assert.equal(attacker.register({ authorization: attacker.answer(challenge, "REGISTER") }).status, 401);
  }
  assert.equal(sendRaw(pbx, attacker, attacker.registerText()), 0, "(address, 6001) is banned: no challenge");
  const legit = new Phone(pbx, { user: "6001", password: "secret6001", ip: "198.51.100.51" });
  assert.equal(legit.registerWithAuth().status, 200, "the same account from another address still works");
});

test("guard pipeline: svwar-style enumeration from one address is banned after max_unknown requests", () => {
  const pbx = guarded();
  let answered = 0;
  for (let ext = 200; ext < 220; ext++) {
    const probe = new Phone(pbx, { user: String(ext), ip: "198.51.100.60" });
    answered += sendRaw(pbx, probe, probe.registerText());
  }
  assert.equal(answered, 5);
  assert.equal(pbx.guard.allowPacket("198.51.100.60"), false);
});
