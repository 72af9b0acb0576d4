/** queues.conf: queues from sections, member lines, joinempty/leavewhenempty, not implemented options named. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildQueuesConfig, parseEmptyConditions, parseMemberLine } from "../../../src/config/queues/load-queues.js";

test("queues.conf: without the file there are no queues", () => {
  assert.equal(buildQueuesConfig(undefined).config.queues.size, 0);
});

test("queues.conf: a queue with Asterisk's defaults, static members in order, options parsed", () => {
  const text = "[general]\npersistentmembers = yes\n[support]\nstrategy = rrmemory\nmember => PJSIP/2001,0,Alice\nmember => PJSIP/2002,2,Bob,PJSIP/2092\nwrapuptime = 10\nringinuse = no\nannounce-frequency = 30\n[plain]\n";
  const r = buildQueuesConfig(parseConfigText(text, "queues.conf"));
  const q = r.config.queues.get("support");
  assert.ok(q);
  assert.equal(q.strategy, "rrmemory");
  assert.deepEqual(q.members, [
    { interface: "PJSIP/2001", penalty: 0, membername: "Alice", stateInterface: "PJSIP/2001" },
    { interface: "PJSIP/2002", penalty: 2, membername: "Bob", stateInterface: "PJSIP/2092" },
  ]);
  assert.deepEqual([q.wrapuptime, q.ringinuse, q.announceFrequency], [10, false, 30]);
  const plain = r.config.queues.get("plain");
  assert.ok(plain);
  assert.deepEqual([plain.strategy, plain.timeout, plain.retry, plain.wrapuptime, plain.maxlen, plain.ringinuse, plain.joinEmptyConditions.size, plain.leaveEmptyConditions.size], ["ringall", 15, 5, 0, 0, true, 0, 0]);
  const msgs = r.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  assert.ok(msgs.some((m) => /persistentmembers/.test(m) && /not implemented/.test(m)), msgs.join("\n"));
});

test("queues.conf: a bad member line and a non-PJSIP member are left out and named; a bad joinempty keeps the default", () => {
  const text = "[q]\nmember => nonsense\nmember => SIP/2001\nmember => PJSIP/2003\njoinempty = sometimes\nperiodic-announce = queue-periodic\n";
  const r = buildQueuesConfig(parseConfigText(text, "queues.conf"));
  const q = r.config.queues.get("q");
  assert.ok(q);
  assert.deepEqual(q.members.map((m) => m.interface), ["PJSIP/2003"]);
  assert.equal(q.joinEmptyConditions.size, 0);
  const msgs = r.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  assert.ok(msgs.some((m) => /^error: .*member => nonsense/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /^warning: .*SIP\/2001: only PJSIP/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /^error: .*joinempty=sometimes/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /periodic-announce/.test(m) && /not implemented/.test(m)), msgs.join("\n"));
});

test("joinempty/leavewhenempty: yes and no mean opposite things for the two; lists of conditions", () => {
  assert.deepEqual([...(parseEmptyConditions("yes", true) as Set<string>)], []);
  assert.deepEqual([...(parseEmptyConditions("no", true) as Set<string>)].sort(), ["invalid", "paused", "penalty", "unavailable"]);
  assert.deepEqual([...(parseEmptyConditions("yes", false) as Set<string>)].sort(), ["invalid", "paused", "penalty", "unavailable"]);
  assert.deepEqual([...(parseEmptyConditions("no", false) as Set<string>)], []);
  assert.deepEqual([...(parseEmptyConditions("loose", true) as Set<string>)].sort(), ["invalid", "penalty"]);
  assert.deepEqual([...(parseEmptyConditions("paused, inuse", true) as Set<string>)].sort(), ["inuse", "paused"]);
  assert.equal(typeof parseEmptyConditions("busy", true), "string");
});

test("member lines: interface, penalty, name, state interface", () => {
  assert.deepEqual(parseMemberLine("PJSIP/2001"), { interface: "PJSIP/2001", penalty: 0, membername: "PJSIP/2001", stateInterface: "PJSIP/2001" });
  assert.equal(typeof parseMemberLine("PJSIP/2001,high"), "string");
});
