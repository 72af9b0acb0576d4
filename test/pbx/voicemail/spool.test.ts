/** The mailbox spool: Asterisk's layout, contiguous numbers, moves, and repair after a crash. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MailboxSpool, parseMessageTxt } from "../../../src/pbx/voicemail/spool.js";
import { callerIdText, messageFields, origDate } from "../../../src/pbx/voicemail/message-fields.js";
import { mailboxList, messageSummaryBody } from "../../../src/pbx/voicemail/mwi.js";
import { buildVoicemailConfig } from "../../../src/config/voicemail/load-voicemail.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { scratchDir } from "../../helpers/processes.js";

const BOX = { context: "default", box: "1002", password: "1", passwordChangeable: true, fullName: "B", email: "", pager: "", options: new Map(), file: "voicemail.conf", line: 1 };
const fields = (n: string): Array<[string, string]> => [["origmailbox", "1002"], ["callerid", `<${n}>`], ["duration", "3"]];

test("spool: messages are msgNNNN.wav + msgNNNN.txt; deleting renumbers; moving appends to the other folder", () => {
  const dir = join(scratchDir("spool"), "default", "1002");
  const s = new MailboxSpool(dir, ["wav"]);
  for (const n of ["a", "b", "c"]) s.add("INBOX", Buffer.from(n), "wav", fields(n));
  assert.deepEqual(readdirSync(join(dir, "INBOX")).sort(), ["msg0000.txt", "msg0000.wav", "msg0001.txt", "msg0001.wav", "msg0002.txt", "msg0002.wav"]);
  assert.match(readFileSync(join(dir, "INBOX", "msg0001.txt"), "utf8"), /^;\n; Message Information file\n;\n\[message\]\norigmailbox=1002\ncallerid=<b>\nduration=3\n$/);
  s.remove("INBOX", 0);
  assert.deepEqual(s.list("INBOX").map((m) => [m.index, m.fields.get("callerid")]), [[0, "<b>"], [1, "<c>"]]);
  assert.equal(s.move("INBOX", 0, "Old"), 0);
  assert.deepEqual(s.list("INBOX").map((m) => m.fields.get("callerid")), ["<c>"]);
  assert.deepEqual(s.list("Old").map((m) => [m.index, m.fields.get("callerid")]), [[0, "<b>"]]);
  assert.equal(readFileSync(s.list("Old")[0]!.audio, "utf8"), "b");
});

test("spool: repair removes audio without its .txt, a .txt without audio and temporary files, then closes the gaps", () => {
  const dir = join(scratchDir("spool-repair"), "default", "1002");
  const s = new MailboxSpool(dir, ["wav"]);
  s.add("INBOX", Buffer.from("a"), "wav", fields("a"));
  s.add("INBOX", Buffer.from("b"), "wav", fields("b"));
  s.add("INBOX", Buffer.from("c"), "wav", fields("c"));
  const inbox = join(dir, "INBOX");
  // msg0001: a .txt whose audio is gone; msg0003: audio whose .txt never came; a temp file.
  rmSync(join(inbox, "msg0001.wav"));
  writeFileSync(join(inbox, "msg0003.wav"), "d");
  writeFileSync(join(inbox, ".msg0004.txt.tmp-999"), "x");
  assert.equal(s.repair(), 4);
  assert.deepEqual(readdirSync(inbox).sort(), ["msg0000.txt", "msg0000.wav", "msg0001.txt", "msg0001.wav"]);
  assert.deepEqual(s.list("INBOX").map((m) => m.fields.get("callerid")), ["<a>", "<c>"]);
});

test("spool: greetings and a changed password live in the mailbox directory", () => {
  const dir = join(scratchDir("spool-greet"), "default", "1002");
  const s = new MailboxSpool(dir, ["wav", "ulaw"]);
  assert.equal(s.greeting("unavail"), undefined);
  s.saveGreeting("unavail", Buffer.from("g"), "ulaw");
  assert.equal(s.greeting("unavail"), join(dir, "unavail.ulaw"));
  s.savePassword("9876");
  assert.equal(s.changedPassword(), "9876");
  s.removeGreeting("unavail");
  assert.equal(existsSync(join(dir, "unavail.ulaw")), false);
});

test("message envelope: a caller ID with line breaks cannot add lines to the .txt", () => {
  const dir = join(scratchDir("spool-inject"), "default", "1002");
  const s = new MailboxSpool(dir, ["wav"]);
  s.add("INBOX", Buffer.from("a"), "wav", [["callerid", "<1001>\ncallerid=<666>"], ["duration", "3"]]);
  const f = s.list("INBOX")[0]!.fields;
  assert.equal(f.get("callerid"), "<1001> callerid=<666>");
});

test("message envelope: Asterisk's fields and date layout; MWI body and mailbox lists", () => {
  // In the server's time zone, as Asterisk writes it (UTC on a machine set to UTC).
  assert.match(origDate(Date.UTC(2026, 11, 7, 13, 5, 9)), /^(Sun|Mon|Tue) Dec +[678] \d\d:\d\d:09 [AP]M \S+ 2026$/);
  if (new Date().getTimezoneOffset() === 0) assert.equal(origDate(Date.UTC(2026, 11, 7, 13, 5, 9)), "Mon Dec  7 01:05:09 PM UTC 2026");
  assert.equal(callerIdText({ num: "1001", name: "Alice" }), '"Alice" <1001>');
  assert.equal(callerIdText({ num: "", name: "" }), "Unknown");
  const f = new Map(messageFields(BOX, { context: "internal", exten: "2002", priority: 1, channel: "PJSIP/1001-00000001", callerId: { num: "1001", name: "" }, nowMs: 1_765_069_200_000, durationSec: 5 }));
  assert.deepEqual([...f.keys()], ["origmailbox", "context", "macrocontext", "exten", "rdnis", "priority", "callerchan", "callerid", "origdate", "origtime", "category", "msg_id", "flag", "duration"]);
  assert.equal(f.get("origtime"), "1765069200");
  assert.match(f.get("msg_id") ?? "", /^1765069200-[0-9a-f]{8}$/);
  assert.deepEqual(parseMessageTxt("[message]\nduration=5\n;x=1\n"), new Map([["duration", "5"]]));
  assert.equal(messageSummaryBody({ account: "1002", new: 2, old: 1 }, "192.0.2.1"), "Messages-Waiting: yes\r\nMessage-Account: sip:1002@192.0.2.1\r\nVoice-Message: 2/1 (0/0)\r\n");
  assert.deepEqual(mailboxList(" 1001@office, 1002 "), ["1001@office", "1002@default"]);
});

test("voicemail.conf: mailbox lines with name, email, pager and options; unknown mailbox options and gsm-only formats are reported", () => {
  const text = "[general]\nformat=wav\nmaxmsg=5\n\n[zonemessages]\neastern => America/New_York|'vm-received' Q 'digits/at' IMp\n\n[office]\n1002 => -4242,Bob Smith,bob@example.com,,saycid=yes|attach=no|frobnicate=1\n1003 => 1111,Carol\n";
  const r = buildVoicemailConfig(parseConfigText(text, "voicemail.conf"));
  const bob = r.config.mailboxes.get("1002@office");
  assert.ok(bob);
  assert.equal(bob.password, "4242");
  assert.equal(bob.passwordChangeable, false);
  assert.equal(bob.fullName, "Bob Smith");
  assert.equal(bob.email, "bob@example.com");
  assert.equal(bob.options.get("saycid"), "yes");
  assert.equal(r.config.mailboxes.get("1003@office")?.fullName, "Carol");
  assert.equal(r.config.general.maxmsg, 5);
  assert.deepEqual(r.config.zones.map((z) => z.name), ["eastern"]);
  const msgs = r.diagnostics.map((d) => d.message).join("\n");
  assert.match(msgs, /mailbox option 'frobnicate' is accepted but not implemented/);
  assert.doesNotMatch(msgs, /mailbox option 'attach'/, "attach= per mailbox works (the mailer reads it)");
  const odd = buildVoicemailConfig(parseConfigText("[..]\n1 => 1\n[default]\n.. => 1,Dot\n../x => 1\n", "voicemail.conf"));
  assert.equal(odd.config.mailboxes.size, 0, "names that would leave the spool are refused");
  assert.match(odd.diagnostics.map((d) => d.message).join("\n"), /cannot be a voicemail context/);
});
