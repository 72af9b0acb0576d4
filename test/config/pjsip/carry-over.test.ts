import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, carryOverRejected, parseConfigText } from "../../../src/config/index.js";

const conf = (encryption: string) => `
[t]
type=transport
protocol=udp
bind=127.0.0.1:5060

[1001]
type=endpoint
aors=1001
context=internal
media_encryption=${encryption}

[1001]
type=aor
max_contacts=1

[1002]
type=endpoint
aors=1002
`;

test("carry-over: a reload that breaks an existing endpoint keeps its previous definition", () => {
  const prev = buildPjsipConfig(parseConfigText(conf("no"), "pjsip.conf"));
  const next = buildPjsipConfig(parseConfigText(conf("yes"), "pjsip.conf"));
  assert.equal(next.endpoints.has("1001"), false, "the broken endpoint is rejected");
  assert.deepEqual(next.rejected, [{ type: "endpoint", id: "1001" }]);
  const kept = carryOverRejected(prev, next);
  assert.deepEqual(kept, ["endpoint 1001"]);
  assert.equal(next.endpoints.get("1001")?.mediaEncryption, "no");
  assert.equal(next.endpoints.has("1002"), true);
});

test("carry-over: a new object with errors has nothing to keep", () => {
  const prev = buildPjsipConfig(parseConfigText("[t]\ntype=transport\n", "pjsip.conf"));
  const next = buildPjsipConfig(parseConfigText(conf("bogus"), "pjsip.conf"));
  assert.deepEqual(carryOverRejected(prev, next), []);
  assert.equal(next.endpoints.has("1001"), false);
});
