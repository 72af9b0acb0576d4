/** The media doctor's ICE reading: which pairs were tried, which worked, why none was selected. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnoseIce } from "../../../src/pbx/channel/ice-diagnosis.js";
import type { LegStats } from "../../../src/media/index.js";

const base: LegStats = { id: "rtp-1", localPort: 30000, latched: false, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, rtcpIn: 0, rtcpOut: 0, dropped: 0, malformed: 0, echo: false, playing: false, startedAt: 0 };
const me = { name: "PJSIP/1001-00000001", endpoint: "1001" };

function withIce(ice: Partial<NonNullable<LegStats["ice"]>>): LegStats {
  return { ...base, ice: { role: "controlled", localUfrag: "u", remoteUfrag: "r", state: "checking", requestsReceived: 0, responsesSent: 0, errorsSent: { 400: 0, 401: 0, 487: 0 }, pairs: [], selected: [], inUse: [], candidates: ["1 host 10.0.0.5:30000"], problems: [], ...ice } };
}

test("ice diagnosis: every pair failed and no check arrived: names the pairs, the reason, and suggests TURN", () => {
  const text = diagnoseIce(me, "1002", withIce({ pairs: [{ component: 1, local: "host 10.0.0.5:30000", remote: "host 192.168.1.9:4000", state: "Failed", nominated: false, checks: 6, failure: "no response to the connectivity check" }] }));
  assert.match(text ?? "", /checks failed on every pair \(host 10\.0\.0\.5:30000 -> host 192\.168\.1\.9:4000: Failed \(no response to the connectivity check\)\)/);
  assert.match(text ?? "", /turnaddr/);
});

test("ice diagnosis: a working pair the controlling phone never nominated is named as such", () => {
  const text = diagnoseIce(me, "1002", withIce({ pairs: [{ component: 1, local: "host 10.0.0.5:30000", remote: "host 192.0.2.9:4000", state: "Succeeded", nominated: false, checks: 1 }] }));
  assert.match(text ?? "", /1 working pair\(s\) but none selected: the phone \(controlling\) has not nominated/);
});

test("ice diagnosis: silent when RTP arrives or the leg has no ICE", () => {
  assert.equal(diagnoseIce(me, "1002", { ...withIce({}), packetsIn: 5 }), undefined);
  assert.equal(diagnoseIce(me, "1002", base), undefined);
});
