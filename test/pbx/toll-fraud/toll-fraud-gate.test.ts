/**
 * The toll-fraud gate over real pjsip.conf and guard.conf text: which endpoints are trunks, who
 * may reach them, the concurrent and per-minute limits, international prefixes, and the one
 * NOTICE per refusal naming the caller, the number and the rule.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type LoadedConfig } from "../../../src/config/index.js";
import { buildGuardConfig } from "../../../src/config/guard/load-guard.js";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { TollFraudGate, numberOf, type Admission } from "../../../src/pbx/toll-fraud/toll-fraud-gate.js";

const PJSIP = `
[provider-auth]
type=auth
username=acct
password=s3cret

[provider]
type=endpoint
context=from-provider
aors=provider
outbound_auth=provider-auth

[provider]
type=aor
contact=sip:sip.provider.example

[ipcarrier]
type=endpoint
context=from-carrier
aors=ipcarrier

[ipcarrier]
type=aor
contact=sip:192.0.2.80

[carrier-in]
type=endpoint
context=from-carrier

[carrier-in]
type=identify
endpoint=carrier-in
match=192.0.2.81

[1001-auth]
type=auth
username=1001
password=x

[1001]
type=endpoint
context=internal
auth=1001-auth
aors=1001

[1001]
type=aor

[deskphone]
type=endpoint
context=internal
auth=1001-auth
aors=deskphone

[deskphone]
type=aor
contact=sip:deskphone@192.0.2.90

[gateway]
type=endpoint
context=internal
auth=1001-auth
`;

function gateFor(guardText = "") {
  const pjsip = buildPjsipConfig(parseConfigText(PJSIP, "pjsip.conf"));
  assert.deepEqual(pjsip.diagnostics.filter((d) => d.severity === "error"), []);
  const guard = buildGuardConfig(guardText === "" ? undefined : parseConfigText(guardText, "guard.conf"));
  assert.deepEqual(guard.diagnostics, [], "guard.conf text is clean");
  const config = { pjsip, guard: guard.config } as unknown as LoadedConfig;
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const gate = new TollFraudGate({ config: () => config, clock });
  const ep = (id: string) => {
    const e = pjsip.endpoints.get(id);
    assert.ok(e, id);
    return e;
  };
  const admit = (from: string, admission: Admission, trunk: string, number: string) =>
    gate.admit({ caller: { endpoint: ep(from), admission, callerNum: "1001", peer: "192.0.2.50:5060" }, trunk: ep(trunk), uri: `sip:${number}@192.0.2.80` }, log);
  const notices = () => log.records.filter((r) => r.level === "notice").map((r) => r.msg);
  return { gate, clock, log, ep, admit, notices };
}

test("toll fraud: trunks are endpoints with outbound_auth, an identify, a static contact and no auth, or listed in guard.conf trunks", () => {
  const t = gateFor("[general]\ntrunks=gateway\n");
  assert.equal(t.gate.isTrunk(t.ep("provider")), true, "outbound_auth");
  assert.equal(t.gate.isTrunk(t.ep("ipcarrier")), true, "static contact, no auth");
  assert.equal(t.gate.isTrunk(t.ep("carrier-in")), true, "named by an identify");
  assert.equal(t.gate.isTrunk(t.ep("gateway")), true, "guard.conf trunks=");
  assert.equal(t.gate.isTrunk(t.ep("1001")), false, "a registering phone");
  assert.equal(t.gate.isTrunk(t.ep("deskphone")), false, "a static contact with auth= is a phone");
  assert.equal(gateFor().gate.isTrunk(gateFor().ep("gateway")), false, "gateway is not a trunk unless listed");
});

test("toll fraud: a caller that neither authenticated nor matched an identify never reaches a trunk, with one NOTICE naming caller, number and rule", () => {
  const t = gateFor();
  assert.equal(t.admit("1001", "none", "provider", "5551234").ok, false);
  const n = t.notices();
  assert.equal(n.length, 1);
  assert.match(n[0] ?? "", /^Toll fraud: call from endpoint '1001' \(caller 1001, 192\.0\.2\.50:5060\) to 5551234 through trunk 'provider' refused: the caller neither authenticated nor matched an identify section/);
  assert.equal(t.admit("1001", "auth", "provider", "5551234").ok, true, "the same call authenticated goes out");
  assert.equal(t.admit("carrier-in", "identify", "provider", "5551234").ok, true, "an identified peer may go out too");
  assert.equal(t.notices().length, 1, "admitted calls log nothing");
});

test("toll fraud: calls to an endpoint that is not a trunk are never gated, and tollfraud=no turns the gate off", () => {
  const t = gateFor();
  assert.equal(t.admit("1001", "none", "deskphone", "deskphone").ok, true);
  const off = gateFor("[general]\ntollfraud=no\n");
  assert.equal(off.admit("1001", "none", "provider", "0044207946000").ok, true);
  assert.deepEqual(off.notices(), []);
});

test("toll fraud: international prefixes (00, 011, +) are refused unless the endpoint is in international_allowed", () => {
  const t = gateFor();
  for (const number of ["0044207946000", "01144207946000", "+44207946000"]) {
    assert.equal(t.admit("1001", "auth", "provider", number).ok, false, number);
  }
  assert.equal(t.notices().length, 3);
  assert.match(t.notices()[0] ?? "", /refused: international number \(prefix 00\) and endpoint '1001' is not in international_allowed \(guard\.conf\)$/);
  assert.equal(t.admit("1001", "auth", "provider", "0207946000").ok, true, "a national number with one 0 is not international");
  assert.equal(numberOf("sip:%2B44207946000@192.0.2.80"), "+44207946000", "an escaped + is still seen");
  assert.equal(t.admit("1001", "auth", "provider", "%2B44207946000").ok, false);

  const listed = gateFor("[general]\ninternational_allowed=1001\n");
  assert.equal(listed.admit("1001", "auth", "provider", "0044207946000").ok, true);
  assert.equal(listed.admit("carrier-in", "identify", "provider", "0044207946000").ok, false, "only the listed endpoint");

  const star = gateFor("[general]\ninternational_allowed=*\n");
  assert.equal(star.admit("1001", "auth", "provider", "0044207946000").ok, true, "* lets every authenticated endpoint");
  assert.equal(star.admit("carrier-in", "identify", "provider", "0044207946000").ok, false, "* does not cover identify-only callers");

  const own = gateFor("[general]\ninternational_prefixes=9\n");
  assert.equal(own.admit("1001", "auth", "provider", "0044207946000").ok, true, "00 is no longer international");
  assert.equal(own.admit("1001", "auth", "provider", "944207946000").ok, false);
});

test("toll fraud: trunk_calls_per_endpoint limits calls at once; a released call frees its place, twice released counts once", () => {
  const t = gateFor("[general]\ntrunk_calls_per_endpoint=2\ntrunk_cpm_per_endpoint=0\n");
  const a = t.admit("1001", "auth", "provider", "5550001");
  const b = t.admit("1001", "auth", "provider", "5550002");
  assert.ok(a.ok && b.ok);
  assert.equal(t.admit("1001", "auth", "provider", "5550003").ok, false);
  assert.match(t.notices()[0] ?? "", /endpoint '1001' already has 2 calls out through trunks \(trunk_calls_per_endpoint in guard\.conf\)$/);
  assert.equal(t.admit("carrier-in", "identify", "provider", "5550004").ok, true, "another endpoint has its own count");
  a.release();
  a.release();
  assert.equal(t.gate.activeCounts().get("ep:1001"), 1);
  const c = t.admit("1001", "auth", "provider", "5550005");
  assert.equal(c.ok, true, "the released place is free again");
  assert.equal(t.admit("1001", "auth", "provider", "5550006").ok, false, "but only one");
});

test("toll fraud: trunk_calls_per_trunk limits one trunk's calls from every endpoint together", () => {
  const t = gateFor("[general]\ntrunk_calls_per_trunk=2\n");
  assert.equal(t.admit("1001", "auth", "provider", "5550001").ok, true);
  assert.equal(t.admit("carrier-in", "identify", "provider", "5550002").ok, true);
  assert.equal(t.admit("1001", "auth", "provider", "5550003").ok, false);
  assert.match(t.notices()[0] ?? "", /trunk 'provider' already carries 2 calls \(trunk_calls_per_trunk in guard\.conf\)$/);
  assert.equal(t.admit("1001", "auth", "ipcarrier", "5550003").ok, true, "another trunk has its own count");
});

test("toll fraud: per-minute limits count calls started in the last 60 s, ended or not", () => {
  const t = gateFor("[general]\ntrunk_cpm_per_endpoint=3\n");
  for (let i = 0; i < 3; i++) {
    const d = t.admit("1001", "auth", "provider", `555000${i}`);
    assert.ok(d.ok);
    d.release();
    t.clock.advance(10_000);
  }
  assert.equal(t.admit("1001", "auth", "provider", "5550009").ok, false, "a fourth call within the minute");
  assert.match(t.notices()[0] ?? "", /endpoint '1001' started 3 calls through trunks in the last minute \(trunk_cpm_per_endpoint in guard\.conf\)$/);
  t.clock.advance(30_001);
  assert.equal(t.admit("1001", "auth", "provider", "5550010").ok, true, "the first call has left the window");

  const trunk = gateFor("[general]\ntrunk_cpm_per_trunk=1\n");
  assert.equal(trunk.admit("1001", "auth", "provider", "5550001").ok, true);
  assert.equal(trunk.admit("carrier-in", "identify", "provider", "5550002").ok, false);
  assert.match(trunk.notices()[0] ?? "", /trunk 'provider' had 1 calls started in the last minute \(trunk_cpm_per_trunk in guard\.conf\)$/);
});

test("toll fraud: the defaults are 4 calls and 10 per minute per endpoint", () => {
  const t = gateFor();
  const held = [];
  for (let i = 0; i < 4; i++) held.push(t.admit("1001", "auth", "provider", `555000${i}`));
  assert.ok(held.every((d) => d.ok));
  assert.equal(t.admit("1001", "auth", "provider", "5550005").ok, false, "the fifth at once");
  for (const d of held) if (d.ok) d.release();
  for (let i = 0; i < 6; i++) {
    const d = t.admit("1001", "auth", "provider", `555001${i}`);
    assert.ok(d.ok, `call ${5 + i} in the minute`);
    d.release();
  }
  assert.equal(t.admit("1001", "auth", "provider", "5550020").ok, false, "the eleventh in a minute");
});
