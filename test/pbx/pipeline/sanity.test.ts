import { test } from "node:test";
import assert from "node:assert/strict";
import { SipResponseError } from "../../../src/core/errors.js";
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

test("sanity: Require: 100rel, timer passes on to the call manager (RFC 3262, RFC 4028)", () => {
  assert.equal(new SanityStage().run(ctxWith("100rel, timer")), "continue");
});

test("sanity: an unknown option tag in Require gets 420 with Unsupported listing only it (RFC 3261 §8.2.2.3)", () => {
  assert.throws(
    () => new SanityStage().run(ctxWith("100rel, precondition")),
    (e: unknown) => e instanceof SipResponseError && e.status === 420 && e.headers.some(([n, v]) => n === "Unsupported" && v === "precondition"),
  );
});
