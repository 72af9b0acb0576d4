import { test } from "node:test";
import assert from "node:assert/strict";
import { SipResponseError } from "../../../src/core/errors.js";
import { CapabilitySet } from "../../../src/core/module-capabilities.js";
import { SanityStage } from "../../../src/pbx/pipeline/stages/sanity.js";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest } from "../../../src/sip/message/message.js";

function ctxWith(require: string): RequestContext {
  const h = new Headers();
  h.append("Max-Forwards", "70");
  h.append("Require", require);
  return { req: new SipRequest("INVITE", "sip:1002@example.org", h) } as unknown as RequestContext;
}

/** The option tags the call layer declares (pbx/channel/call-layer-module.ts). */
const callLayer = CapabilitySet.of([{ optionTags: ["100rel", "timer"] }]);
const withCalls = () => new SanityStage({ supports: (t) => callLayer.supports(t) });

test("sanity: Require: 100rel, timer passes on to the call manager (RFC 3262, RFC 4028)", () => {
  assert.equal(withCalls().run(ctxWith("100rel, timer")), "continue");
});

test("sanity: an unknown option tag in Require gets 420 with Unsupported listing only it (RFC 3261 §8.2.2.3)", () => {
  assert.throws(
    () => withCalls().run(ctxWith("100rel, precondition")),
    (e: unknown) => e instanceof SipResponseError && e.status === 420 && e.headers.some(([n, v]) => n === "Unsupported" && v === "precondition"),
  );
});

test("sanity: without a loaded module declaring 100rel, Require: 100rel gets 420 (the tags come from the modules)", () => {
  assert.throws(
    () => new SanityStage({ supports: (t) => CapabilitySet.of([]).supports(t) }).run(ctxWith("100rel")),
    (e: unknown) => e instanceof SipResponseError && e.status === 420 && e.headers.some(([n, v]) => n === "Unsupported" && v === "100rel"),
  );
});
