/**
 * Allow, Supported and Accept come from the modules the server loads, not from a string in
 * one place: the union of the real modules' declarations gives what server.ts used to spell,
 * and the dispatch stage answers OPTIONS with it (RFC 3261 §11.2).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CapabilitySet } from "../../src/core/module-capabilities.js";
import { CallLayerModule } from "../../src/pbx/channel/call-layer-module.js";
import { PipelineModule } from "../../src/pbx/pipeline/pipeline-module.js";
import type { RequestContext } from "../../src/pbx/pipeline/request-context.js";
import { DispatchStage } from "../../src/pbx/pipeline/stages/dispatch.js";
import type { Registrar } from "../../src/pbx/registrar/registrar.js";
import { RegistrarModule } from "../../src/pbx/registrar/registrar-module.js";
import { capabilitiesFor } from "../../src/pbx/endpoint/endpoint-capabilities.js";
import { Headers } from "../../src/sip/message/headers.js";
import { SipRequest, type SipResponse } from "../../src/sip/message/message.js";

/** A dependency seen only by name: the declarations are read before anything starts. */
const named = (name: string) => ({ name }) as never;

function loadedCapabilities(withCalls: boolean): CapabilitySet {
  const registrar = new RegistrarModule({ contacts: named("contacts"), sip: named("sip") });
  const calls = new CallLayerModule({ config: named("config"), contacts: named("contacts"), sip: named("sip"), dialplanApps: named("dialplan-apps") });
  const pipeline = new PipelineModule({ sip: named("sip"), guard: named("guard"), registrar: named("registrar"), calls: named("calls"), lines: named("lines"), handlers: named("handlers") });
  return CapabilitySet.of((withCalls ? [registrar, calls, pipeline] : [registrar, pipeline]).map((m) => m.capabilities));
}

function optionsAnswer(caps: CapabilitySet): SipResponse {
  const h = new Headers();
  for (const [n, v] of [["Via", "SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-o1"], ["From", "<sip:a@example.org>;tag=1"], ["To", "<sip:example.org>"], ["Call-ID", "o1"], ["CSeq", "1 OPTIONS"]] as const) h.append(n, v);
  const sent: SipResponse[] = [];
  const stage = new DispatchStage({
    registrar: {} as Registrar,
    respond: (_ctx, res) => sent.push(res),
    allow: () => caps.allow(),
    supported: () => caps.supported(),
    accept: () => caps.accepted(),
    allowEvents: () => caps.allowEvents(),
  });
  assert.equal(stage.run({ req: new SipRequest("OPTIONS", "sip:example.org", h) } as unknown as RequestContext), "done");
  assert.equal(sent.length, 1);
  return sent[0] as SipResponse;
}

test("capabilities: the registrar, call layer and pipeline modules together give the Allow and Supported the server advertised", () => {
  const caps = loadedCapabilities(true);
  assert.equal(caps.allow(), "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK");
  assert.equal(caps.supported(), "100rel, timer");
  assert.equal(caps.accepted(), "application/sdp");
});

test("dispatch: OPTIONS is answered with the loaded modules' Allow, Accept and Supported; no Allow-Events without an event package", () => {
  const res = optionsAnswer(loadedCapabilities(true));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Allow"), "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK");
  assert.equal(res.headers.get("Accept"), "application/sdp");
  assert.equal(res.headers.get("Supported"), "100rel, timer");
  assert.equal(res.headers.has("Allow-Events"), false);
});

test("dispatch: without the call layer, OPTIONS offers neither INVITE nor SDP nor any extension", () => {
  const res = optionsAnswer(loadedCapabilities(false));
  assert.equal(res.headers.get("Allow"), "OPTIONS, REGISTER");
  assert.equal(res.headers.has("Accept"), false);
  assert.equal(res.headers.has("Supported"), false);
});

test("capabilities for an endpoint: 100rel=no drops PRACK and 100rel, timers=no drops timer, the rest is the loaded set", () => {
  const caps = loadedCapabilities(true);
  assert.equal(capabilitiesFor(caps, { rel100: "yes", timers: "yes" }), caps);
  const noRel = capabilitiesFor(caps, { rel100: "no", timers: "yes" });
  assert.equal(noRel.allow(), "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO");
  assert.equal(noRel.supported(), "timer");
  assert.equal(capabilitiesFor(caps, { rel100: "required", timers: "no" }).supported(), "100rel");
  assert.equal(capabilitiesFor(caps, { rel100: "no", timers: "no" }).supported(), "");
  assert.equal(capabilitiesFor(caps, { rel100: "no", timers: "yes" }), noRel, "derived once per combination");
});
