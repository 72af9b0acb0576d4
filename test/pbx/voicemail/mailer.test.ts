/** Voicemail emails: templates, the attachment, SMTP (a local sink), mailcmd, and failures that only warn. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CaptureLogger } from "../../../src/core/logger.js";
import { buildVoicemailConfig } from "../../../src/config/voicemail/load-voicemail.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { composeMails, fillTemplate, VoicemailMailer, type SavedMessage } from "../../../src/pbx/voicemail/mailer.js";
import { startSmtpSink } from "../../helpers/smtp-sink.js";
import { freePort } from "../../helpers/ports.js";
import { scratchDir } from "../../helpers/processes.js";

function setup(general: string) {
  const dir = scratchDir("vm-mailer");
  const audio = join(dir, "msg0000.wav");
  writeFileSync(audio, Buffer.from("RIFF-fake-wav"));
  const cfg = buildVoicemailConfig(parseConfigText(`[general]\n${general}\n[default]\n1002 => 1234,Bob Smith,bob@example.com,pager@example.com\n`, "voicemail.conf")).config;
  const box = cfg.mailboxes.get("1002@default")!;
  const msg: SavedMessage = { box, index: 0, audioPath: audio, durationSec: 65, callerId: { num: "1001", name: "Alice" }, timeMs: Date.UTC(2026, 11, 7, 12, 0, 0), msgId: "1765108800-00000001" };
  return { cfg, msg, dir };
}

test("mailer: ${VM_…} variables and \\n in the templates; the recording attached; the pager gets a short note", () => {
  assert.equal(fillTemplate("a\\nb ${VM_MAILBOX} ${VM_UNKNOWN}", { VM_MAILBOX: "1002" }), "a\nb 1002 ${VM_UNKNOWN}");
  const { cfg, msg } = setup("serveremail=vm@pbx.example.com\nfromstring=Office PBX\nemailsubject=New message ${VM_MSGNUM} for ${VM_NAME}\nemailbody=From ${VM_CALLERID}, ${VM_DUR}\\nbye");
  const [mail, pager] = composeMails(msg, cfg.general);
  assert.ok(mail && pager);
  assert.equal(mail.from, '"Office PBX" <vm@pbx.example.com>');
  assert.equal(mail.to, "bob@example.com");
  assert.equal(mail.subject, "New message 1 for Bob Smith");
  assert.equal(mail.text, "From Alice <1001>, 1:05\nbye");
  assert.deepEqual(mail.attachments.map((a) => [a.filename, a.contentType]), [["msg0000.wav", "audio/x-wav"]]);
  assert.equal(pager.to, "pager@example.com");
  assert.equal(pager.attachments.length, 0);
  const noAttach = setup("attach=no");
  assert.equal(composeMails(noAttach.msg, noAttach.cfg.general)[0]?.attachments.length, 0);
});

test("mailer: smtpserver= sends by SMTP to a local sink, with the attachment", async () => {
  const sink = await startSmtpSink();
  try {
    const { cfg, msg } = setup(`smtpserver=127.0.0.1:${sink.port}\nserveremail=vm@pbx.example.com`);
    const mailer = new VoicemailMailer({ general: () => cfg.general, log: new CaptureLogger() });
    assert.equal(await mailer.send(msg), true);
    assert.equal(sink.messages.length, 2);
    const m = sink.messages[0]!;
    assert.deepEqual(sink.recipients[0], ["bob@example.com"]);
    assert.match(m.subject ?? "", /New voicemail 1 in mailbox 1002/);
    assert.equal(m.attachments[0]?.filename, "msg0000.wav");
    assert.equal(m.attachments[0]?.content.toString(), "RIFF-fake-wav");
  } finally {
    await sink.close();
  }
});

test("mailer: without smtpserver the message goes to mailcmd's standard input, as Asterisk's sendmail -t", async () => {
  const { cfg, msg, dir } = setup("");
  const out = join(dir, "sent.eml");
  const mailer = new VoicemailMailer({ general: () => ({ ...cfg.general, mailcmd: `cat >> ${out}` }), log: new CaptureLogger() });
  assert.equal(await mailer.send(msg), true);
  const raw = readFileSync(out, "utf8");
  assert.match(raw, /^To: bob@example\.com$/m);
  assert.match(raw, /^Subject: New voicemail 1 in mailbox 1002$/m);
  assert.match(raw, /filename=msg0000\.wav/);
});

test("mailer: an unreachable SMTP server or a failing mailcmd is one WARNING per address, never a throw", async () => {
  const dead = await freePort("127.0.0.1");
  const { cfg, msg } = setup(`smtpserver=127.0.0.1:${dead}`);
  const log = new CaptureLogger();
  assert.equal(await new VoicemailMailer({ general: () => cfg.general, log }).send(msg), false);
  const warns = log.records.filter((r) => r.level === "warn").map((r) => r.msg);
  assert.equal(warns.length, 2);
  assert.match(warns[0]!, new RegExp(`Voicemail email to bob@example.com could not be sent through SMTP server 127.0.0.1:${dead}`));
  const pagerOnly = setup("");
  const noEmail = { ...pagerOnly.msg, box: { ...pagerOnly.msg.box, email: "" } };
  assert.equal(await new VoicemailMailer({ general: () => ({ ...pagerOnly.cfg.general, mailcmd: "cat > /dev/null" }), log: new CaptureLogger() }).send(noEmail), false, "a pager note alone does not count as the message emailed (delete=yes keeps it)");
  const log2 = new CaptureLogger();
  assert.equal(await new VoicemailMailer({ general: () => ({ ...cfg.general, smtpserver: "", mailcmd: "exit 3" }), log: log2 }).send(msg), false);
  assert.match(log2.records.find((r) => r.level === "warn")?.msg ?? "", /through mailcmd 'exit 3': exited 3/);
});
