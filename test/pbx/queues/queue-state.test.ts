/** Which members may ring (paused, wrap-up, ringinuse, device state) and joinempty/leavewhenempty; reloads keep stats and dynamic members. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildQueuesConfig, type QueueDefinition } from "../../../src/config/queues/load-queues.js";
import { emptiness, memberFree, QueueRuntime } from "../../../src/pbx/queues/queue-state.js";

function def(text: string): QueueDefinition {
  const q = buildQueuesConfig(parseConfigText(`[q]\n${text}`, "queues.conf")).config.queues.get("q");
  assert.ok(q);
  return q;
}

function runtime(text: string): QueueRuntime {
  const r = new QueueRuntime(def(text));
  r.apply(r.def, 0);
  return r;
}

test("memberFree: paused, already rung, unavailable or invalid members never ring; ringinuse=no skips busy devices; wrapuptime rests", () => {
  const q = runtime("member => PJSIP/2001\nringinuse = no\nwrapuptime = 10\n");
  const m = q.members[0];
  assert.ok(m);
  assert.equal(memberFree(q, m, "NOT_INUSE", 100_000), true);
  for (const s of ["INUSE", "RINGING", "RINGINUSE", "BUSY", "ONHOLD", "UNAVAILABLE", "INVALID"] as const) assert.equal(memberFree(q, m, s, 100_000), false, s);
  m.lastCall = 95_000;
  assert.equal(memberFree(q, m, "NOT_INUSE", 100_000), false, "5 s into a 10 s wrap-up");
  assert.equal(memberFree(q, m, "NOT_INUSE", 105_000), true, "wrap-up over");
  m.paused = true;
  assert.equal(memberFree(q, m, "NOT_INUSE", 200_000), false, "paused");
  const inuse = runtime("member => PJSIP/2001\n");
  assert.equal(memberFree(inuse, inuse.members[0]!, "INUSE", 0), true, "ringinuse=yes rings a phone in use");
});

test("emptiness: no members is empty; members all set aside by the conditions are unavail", () => {
  const empty = runtime("joinempty = no\n");
  assert.equal(emptiness(empty, empty.def.joinEmptyConditions, () => "NOT_INUSE", 0), "empty");
  const q = runtime("joinempty = no\nmember => PJSIP/2001\nmember => PJSIP/2002\n");
  assert.equal(emptiness(q, q.def.joinEmptyConditions, () => "UNAVAILABLE", 0), "unavail");
  assert.equal(emptiness(q, q.def.joinEmptyConditions, (m) => (m.interface === "PJSIP/2002" ? "NOT_INUSE" : "UNAVAILABLE"), 0), undefined);
  assert.equal(emptiness(q, q.def.joinEmptyConditions, () => "INUSE", 0), undefined, "in use does not count for joinempty=no");
  const strictInuse = runtime("joinempty = inuse\nmember => PJSIP/2001\n");
  assert.equal(emptiness(strictInuse, strictInuse.def.joinEmptyConditions, () => "INUSE", 0), "unavail");
});

test("QueueRuntime: dynamic members are added once and removed; static ones cannot be; a reload keeps stats and dynamic members", () => {
  const q = runtime("member => PJSIP/2001,0,Alice\n");
  assert.equal(q.add({ interface: "PJSIP/2003", penalty: 1, membername: "Carol", stateInterface: "PJSIP/2003", paused: false }, 5), true);
  assert.equal(q.add({ interface: "pjsip/2003", penalty: 1, membername: "Carol", stateInterface: "PJSIP/2003", paused: false }, 5), false);
  assert.equal(q.remove("PJSIP/2001"), "static");
  assert.equal(q.remove("PJSIP/2999"), "missing");
  q.members[0]!.calls = 4;
  q.apply(def("member => PJSIP/2001,0,Alicia\nmember => PJSIP/2002\n"), 10);
  assert.deepEqual(q.members.map((m) => [m.interface, m.membername, m.calls, m.dynamic]), [
    ["PJSIP/2001", "Alicia", 4, false],
    ["PJSIP/2002", "PJSIP/2002", 0, false],
    ["PJSIP/2003", "Carol", 0, true],
  ]);
  assert.equal(q.remove("PJSIP/2003"), "removed");
});
