/**
 * The answers of the request pipeline (sanity → identify → authenticate → dispatch, wired as in
 * src/server.ts by ../harness.ts) to the RFC 4475 messages whose handling the RFC describes at
 * the application layer: 501 for unknown methods, 416 for unknown Request-URI schemes, 420 for
 * unknown Require tags, 400 for broken From/To, and a challenge for an unknown Authorization
 * scheme. INVITEs are left out: the harness has no call layer, so they end in 405 here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";
import { SanityStage } from "../../../src/pbx/pipeline/stages/sanity.js";
import { parseAuth, parseMessage } from "../../../src/sip/parser/index.js";
import { Phone, buildPbx } from "../harness.js";

const DIR = fileURLToPath(new URL("../../fixtures/sip/rfc4475/", import.meta.url));

function load(name: string): Buffer {
  return readFileSync(`${DIR}${name}.sip`);
}

/** A trunk identified by its source address and without auth: requests reach dispatch as they are. */
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

function fromTrunk(name: string) {
  const pbx = buildPbx({ conf: TRUNK_CONF });
  return { pbx, res: new Phone(pbx, { user: "trunk", ip: "198.51.100.20" }).send(load(name)) };
}

function fromStranger(name: string) {
  const pbx = buildPbx();
  return { pbx, res: new Phone(pbx, { user: "nobody", ip: "203.0.113.77" }).send(load(name)) };
}

function sanityOn(name: string): ReturnType<SanityStage["run"]> {
  const r = parseMessage(load(name));
  assert.ok(r.ok && r.message.kind === "request");
  return new SanityStage().run({ req: r.message } as unknown as RequestContext);
}

test("pipeline: RFC 4475 §3.1.1.1 wsinv passes sanity — Max-Forwards 0068 is the number 68, not a 400", () => {
  assert.equal(sanityOn("wsinv"), "continue");
});

test("pipeline: RFC 4475 §3.3.11 zeromf (OPTIONS, Max-Forwards 0) is processed: 200", () => {
  assert.equal(sanityOn("zeromf"), "continue");
  assert.equal(fromStranger("zeromf").res.status, 200);
});

test("pipeline: RFC 4475 §3.1.1.2 intmeth gets 501 with Allow: \"Endpoints will generate a 501 listing the methods they understand\"", () => {
  const { res } = fromTrunk("intmeth");
  assert.equal(res.status, 501);
  assert.equal(res.reason, "Not Implemented");
  assert.equal(res.headers.get("Allow"), "OPTIONS, REGISTER");
  assert.equal(res.headers.get("CSeq"), "139122385 !interesting-Method0123456789_*+`.%indeed'~");
});

test("pipeline: RFC 4475 §3.1.1.5 esc02 (RE%47IST%45R is not REGISTER) gets 501", () => {
  const { res, pbx } = fromTrunk("esc02");
  assert.equal(res.status, 501);
  assert.equal(pbx.store.list().length, 0, "nothing was registered");
});

test("pipeline: a known method this version does not handle (RFC 4475 §3.1.1.11 mpart01, MESSAGE) stays 405", () => {
  assert.equal(fromTrunk("mpart01").res.status, 405);
});

for (const name of ["lwsdisp", "semiuri", "transports", "badbranch"]) {
  test(`pipeline: RFC 4475 ${name} (a well-formed OPTIONS) is answered 200`, () => {
    assert.equal(fromStranger(name).res.status, 200);
  });
}

for (const [name, section] of [["unkscm", "3.3.2"], ["novelsc", "3.3.3"]] as const) {
  test(`pipeline: RFC 4475 §${section} ${name} gets 416 Unsupported URI Scheme, before any challenge`, () => {
    const { res, pbx } = fromStranger(name);
    assert.equal(res.status, 416);
    assert.deepEqual(pbx.securityEvents, []);
  });
}

test("pipeline: RFC 4475 §3.3.5 bext01 gets 420 listing the Require tags, not the Proxy-Require ones", () => {
  const { res } = fromStranger("bext01");
  assert.equal(res.status, 420);
  assert.deepEqual(res.headers.getAll("Unsupported").map((t) => t.toLowerCase()), ["nothingsupportsthis", "nothingsupportsthiseither"]);
});

for (const [name, section, header] of [["baddn", "3.1.2.15", "From"], ["badaspec", "3.1.2.14", "To"]] as const) {
  test(`pipeline: RFC 4475 §${section} ${name} gets 400 for its ${header} header, before any challenge`, () => {
    const { res, pbx } = fromStranger(name);
    assert.equal(res.status, 400);
    assert.deepEqual(pbx.securityEvents, []);
    assert.ok(pbx.log.find(`the ${header} header is not a valid name-addr`), "the NOTICE names the header");
  });
}

test("pipeline: RFC 4475 §3.3.7 regaut01 (unknown Authorization scheme) is challenged with Digest", () => {
  const { res } = fromStranger("regaut01");
  assert.equal(res.status, 401);
  const challenge = parseAuth(res.headers.get("WWW-Authenticate") ?? "");
  assert.equal(challenge?.scheme.toLowerCase(), "digest");
});
