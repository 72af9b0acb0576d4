import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, carryOverRejected, parseConfigText } from "../../../src/config/index.js";
import { PJSIP_TYPE_CASES, typedFieldObject } from "./object-type-cases.js";

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

const build = (text: string) => buildPjsipConfig(parseConfigText(text, "pjsip.conf"));

for (const c of PJSIP_TYPE_CASES) {
  test(`carry-over (${c.type}): a reload that breaks the section keeps its previous definition in byType and the ${c.field} field`, () => {
    const prev = build(c.prelude + c.section(1));
    const next = build(c.prelude + c.section(2) + "no_such_option=1\n");
    assert.deepEqual(next.rejected, [{ type: c.type, id: c.id }]);
    assert.equal(next.byType.get(c.type)?.get(c.id), undefined, "the broken section is not created");
    const kept = carryOverRejected(prev, next);
    assert.deepEqual(kept, [`${c.type} ${c.id}`]);
    const back = typedFieldObject(next, c);
    assert.equal(back, prev.byType.get(c.type)?.get(c.id), "the previous object is back");
    assert.equal(next.byType.get(c.type)?.get(c.id), back);
    assert.equal(c.read(next.byType.get(c.type)?.get(c.id) ?? { id: "", file: "", line: 0 }), 1);
  });
}

test("carry-over: a broken [global] with no previous section keeps the defaults and reports nothing", () => {
  const prev = build("");
  const next = build("[global]\ndefault_realm=x\nno_such_option=1\n");
  assert.deepEqual(carryOverRejected(prev, next), []);
  assert.deepEqual([next.global.line, next.global.defaultRealm], [0, "asterisk"]);
});

test("carry-over: a singleton that another section of its type set on reload is not replaced", () => {
  const prev = build("[global]\ndefault_realm=old\n");
  const next = build("[global]\ndefault_realm=broken\nno_such_option=1\n[g2]\ntype=global\ndefault_realm=new\n");
  assert.deepEqual(carryOverRejected(prev, next), []);
  assert.deepEqual([next.global.id, next.global.defaultRealm], ["g2", "new"]);
});
