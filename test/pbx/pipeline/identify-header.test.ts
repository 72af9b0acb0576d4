/**
 * identify `match_header`: a provider recognised by a header it sends (e.g. `X-Carrier: acme`),
 * exact or /regex/, only for endpoints whose identify_by lists `header`, and before the
 * anonymous endpoint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { EndpointDirectory } from "../../../src/pbx/endpoint/directory.js";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";
import { IdentifyStage } from "../../../src/pbx/pipeline/stages/identify.js";
import { parseMessage } from "../../../src/sip/parser/index.js";
import type { SipRequest } from "../../../src/sip/message/message.js";

const CONF = `
[acme]
type=endpoint
identify_by=header,ip

[acme]
type=identify
endpoint=acme
match_header=X-Carrier: acme

[beta]
type=endpoint
identify_by=header

[beta]
type=identify
endpoint=beta
match_header=P-Trunk-Id: /^beta-[0-9]+$/

[gamma]
type=endpoint

[gamma]
type=identify
endpoint=gamma
match_header=X-Carrier: gamma

[anonymous]
type=endpoint
`;

function identify(headers: string[], ruri = "sip:4930555123@192.0.2.1", lines?: (token: string) => string | undefined): RequestContext {
  const cfg = buildPjsipConfig(parseConfigText(CONF, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), []);
  const dir = new EndpointDirectory(cfg);
  const raw = [`INVITE ${ruri} SIP/2.0`, "Via: SIP/2.0/UDP 198.51.100.9;branch=z9hG4bK1", "From: <sip:+15550100@198.51.100.9>;tag=1", "To: <sip:4930555123@192.0.2.1>", "Call-ID: c1", "CSeq: 1 INVITE", ...headers, "Content-Length: 0", "", ""].join("\r\n");
  const parsed = parseMessage(Buffer.from(raw));
  assert.ok(parsed.ok && parsed.message.kind === "request");
  const req: SipRequest = parsed.message;
  const ctx = { req, flow: { remoteAddress: "198.51.100.9", remotePort: 5060 }, log: new CaptureLogger(), peer: "198.51.100.9:5060", callId: "c1", fromText: req.headers.get("From") ?? "", userAgent: "" } as unknown as RequestContext;
  new IdentifyStage(() => dir, () => ["ip", "username", "anonymous"], undefined, lines).run(ctx);
  return ctx;
}

test("identify match_header: an exact header value identifies the endpoint, before the anonymous endpoint", () => {
  const ctx = identify(["X-Carrier: acme"]);
  assert.equal(ctx.endpoint?.id, "acme");
  assert.equal(ctx.identifiedBy, "header");
});

test("identify match_header: a /regex/ value matches by pattern; a value that does not match falls to anonymous", () => {
  assert.equal(identify(["P-Trunk-Id: beta-42"]).endpoint?.id, "beta");
  const other = identify(["P-Trunk-Id: beta-x"]);
  assert.equal(other.endpoint?.id, "anonymous");
  assert.equal(other.identifiedBy, "anonymous");
  assert.equal(identify(["X-Carrier: acme2"]).endpoint?.id, "anonymous");
});

test("identify match_header: an endpoint whose identify_by does not list header is not identified by it", () => {
  // gamma keeps the default identify_by=username,ip.
  assert.equal(identify(["X-Carrier: gamma"]).endpoint?.id, "anonymous");
});

test("identify match_header: a malformed match_header is a config error naming the form", () => {
  const cfg = buildPjsipConfig(parseConfigText("[x]\ntype=endpoint\n[x]\ntype=identify\nendpoint=x\nmatch_header=X-Carrier\n[y]\ntype=identify\nendpoint=x\nmatch_header=X-C: /(/\n", "pjsip.conf"));
  const msgs = cfg.diagnostics.map((d) => d.message).join("\n");
  assert.match(msgs, /match_header.*write Header-Name: value/);
  assert.match(msgs, /match_header.*'\/\(\/' is not a valid regular expression/);
});

test("identify line: a Request-URI line token of one of our registrations names its endpoint, before any other method; an unknown token is ignored", () => {
  const lines = (token: string) => (token === "36c4bf2e7fb0dfbb" ? "gamma" : undefined);
  const ok = identify(["X-Carrier: acme"], "sip:5550001@192.0.2.1:5060;line=36c4bf2e7fb0dfbb", lines);
  assert.equal(ok.endpoint?.id, "gamma");
  assert.equal(ok.identifiedBy, "line");
  const forged = identify([], "sip:5550001@192.0.2.1:5060;line=0000000000000000", lines);
  assert.equal(forged.endpoint?.id, "anonymous");
});
