/** check's voicemail traps: MWI or VoiceMail() for a mailbox voicemail.conf lacks, email nothing can send. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { checkTraps } from "../../../src/config/check/traps.js";

const PJSIP = "[1001]\ntype=endpoint\nallow=ulaw\naors=1001\nmailboxes=1001@default,1009\n\n[1001]\ntype=aor\nmax_contacts=1\nmailboxes=7777@office\n";

test("check: mailboxes= and VoiceMail() naming a mailbox voicemail.conf does not have are warned about with the fix", () => {
  const cfg = loadConfiguration({
    kind: "embedded",
    files: {
      "pjsip.conf": PJSIP,
      "voicemail.conf": "[default]\n1001 => 1234,Alice\n",
      "extensions.conf": "[internal]\nexten => 1,1,VoiceMail(1001@default&1005,u)\nexten => 2,1,VoiceMailMain(${CALLERID(num)}@default)\nexten => 3,1,VoiceMailMain(4444)\n",
    },
  });
  const msgs = checkTraps(cfg).map((d) => d.message);
  assert.ok(msgs.some((m) => /endpoint 1001: mailboxes=1009 is not a mailbox of voicemail.conf.*add '1009 => password,Full Name' to \[default\]/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /aor 1001: mailboxes=7777@office is not a mailbox.*\[office\]/.test(m)));
  assert.ok(msgs.some((m) => /VoiceMail\(1005\) in \[internal\]: voicemail.conf has no mailbox 1005@default/.test(m)));
  assert.ok(msgs.some((m) => /VoiceMailMain\(4444\)/.test(m)));
  assert.ok(!msgs.some((m) => /1001@default is not|VoiceMail\(1001@default\)|CALLERID/.test(m)), "known mailboxes and variables are not warned about");
});

test("check: a mailbox with an email address and a mailcmd that does not exist, without smtpserver", () => {
  const files = (general: string) => ({ "pjsip.conf": "", "voicemail.conf": `[general]\n${general}\n[default]\n1001 => 1234,Alice,alice@example.com\n` });
  const missing = checkTraps(loadConfiguration({ kind: "embedded", files: files("mailcmd=/nonexistent/sendmail -t") })).map((d) => d.message);
  assert.ok(missing.some((m) => /mailcmd=\/nonexistent\/sendmail -t does not exist here: set smtpserver=/.test(m)), missing.join("\n"));
  const smtp = checkTraps(loadConfiguration({ kind: "embedded", files: files("mailcmd=/nonexistent/sendmail -t\nsmtpserver=127.0.0.1:25") })).map((d) => d.message);
  assert.ok(!smtp.some((m) => /mailcmd/.test(m)));
});
