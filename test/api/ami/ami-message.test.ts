import { test } from "node:test";
import assert from "node:assert/strict";
import { AmiFramer, formatMessage, MAX_LINE } from "../../../src/api/ami/ami-message.js";
import { parseEventMask } from "../../../src/api/ami/ami-classes.js";
import { passesFilters } from "../../../src/api/ami/ami-session.js";
import { exposureProblem } from "../../../src/config/manager/load-manager.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { MANAGER_CLASSES, type ManagerUser } from "../../../src/config/index.js";

test("framer: CRLF and bare LF, split across chunks, keys any case, repeated keys kept in order", () => {
  const f = new AmiFramer();
  assert.deepEqual(f.push("Action: Log").messages, []);
  const { messages } = f.push("in\r\nuSERNAME:  admin \r\nVariable: A=1\nVariable: B=2\r\n\r\nAction: Ping\n\n");
  assert.equal(messages.length, 2);
  assert.equal(messages[0]!.get("username"), "admin");
  assert.equal(messages[0]!.get("ACTION"), "Login");
  assert.deepEqual(messages[0]!.getAll("variable"), ["A=1", "B=2"]);
  assert.equal(messages[1]!.get("Action"), "Ping");
});

test("framer: blank lines between messages are ignored; a line without a colon is kept empty; oversize is reported", () => {
  const f = new AmiFramer();
  const r = f.push("\r\n\r\nAction: Ping\r\ngarbage\r\n\r\n");
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0]!.get("garbage"), "");
  const big = new AmiFramer().push("Action: " + "x".repeat(MAX_LINE + 10));
  assert.match(big.overflow ?? "", /longer than/);
  const many = new AmiFramer().push(Array.from({ length: 300 }, (_, i) => `K${i}: v`).join("\r\n") + "\r\n");
  assert.match(many.overflow ?? "", /more than 256 lines/);
});

test("formatMessage: CRLF lines, empty line at the end, CR/LF in values cannot forge a field, undefined left out", () => {
  assert.equal(formatMessage([["Response", "Success"], ["Skip", undefined], ["N", 5], ["Msg", "a\r\nEvent: Forged"]]), "Response: Success\r\nN: 5\r\nMsg: a Event: Forged\r\n\r\n");
});

test("event mask: on/off and class lists", () => {
  assert.equal(parseEventMask("on", MANAGER_CLASSES)?.size, MANAGER_CLASSES.length);
  assert.equal(parseEventMask("off", MANAGER_CLASSES)?.size, 0);
  assert.deepEqual([...(parseEventMask("call, system", MANAGER_CLASSES) ?? [])], ["call", "system"]);
  assert.equal(parseEventMask("call,nonsense", MANAGER_CLASSES), undefined);
});

const user = (filters: string[]): ManagerUser => {
  const c = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "manager.conf": `[u]\nsecret=s\n${filters.map((f) => `eventfilter=${f}`).join("\n")}\n` } });
  return c.manager.users.get("u")!;
};

test("eventfilter: none passes all; white only needs a match; black only drops matches; both: white then black", () => {
  const nc = "Event: Newchannel\r\nChannel: PJSIP/1001-1\r\n\r\n";
  const hu = "Event: Hangup\r\nChannel: PJSIP/9000-2\r\n\r\n";
  assert.ok(passesFilters(user([]), nc));
  const white = user(["Event: Newchannel"]);
  assert.ok(passesFilters(white, nc));
  assert.ok(!passesFilters(white, hu));
  const black = user(["!Channel: PJSIP/9"]);
  assert.ok(passesFilters(black, nc));
  assert.ok(!passesFilters(black, hu));
  const both = user(["Event: (Newchannel|Hangup)", "!Channel: PJSIP/9"]);
  assert.ok(passesFilters(both, nc));
  assert.ok(!passesFilters(both, hu));
});

test("exposure: loopback is fine; elsewhere needs users, each with a permit list", () => {
  const cfg = (text: string) => loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "manager.conf": text } }).manager;
  assert.equal(exposureProblem(cfg("[a]\nsecret=s\n"), "127.0.0.1"), undefined);
  assert.equal(exposureProblem(cfg("[a]\nsecret=s\n"), "::1"), undefined);
  assert.match(exposureProblem(cfg(""), "0.0.0.0") ?? "", /has no user/);
  assert.match(exposureProblem(cfg("[a]\nsecret=s\n[b]\nsecret=t\npermit=10.0.0.0/8\n"), "0.0.0.0") ?? "", /user 'a' has no permit= list/);
  assert.equal(exposureProblem(cfg("[b]\nsecret=t\ndeny=0.0.0.0/0\npermit=10.0.0.0/8\n"), "192.0.2.1"), undefined);
});
