/**
 * Voicemail end to end with real phones: baresip (1001) leaves a message of a 1000 Hz tone in
 * mailbox 1002; the message file holds that tone, its .txt the caller ID and duration, and the
 * mailbox owner's registered contact (a SIP socket of the test) gets an unsolicited NOTIFY with
 * Messages-Waiting: yes. The owner's baresip then calls *97, logs in with RFC 4733 keys, hears
 * the message (the tone, read off the wire), deletes it, and MWI goes back to no. A kill -9
 * while a message is being recorded leaves a consistent mailbox after the restart.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture } from "../helpers/rtp-capture.js";
import { SipClient, type SipMessageLite } from "../helpers/sip-client.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";

const SERVER_IP = "127.0.0.1";
const CALLER = { id: "1001", password: randomPassword(), ip: "127.0.0.2" };
const OWNER = { id: "1002", password: randomPassword(), ip: "127.0.0.3" };
const MWI_IP = "127.0.0.4";
const DESK_IP = "127.0.0.9";
const VM_PASSWORD = "4321";

const EXTENSIONS = `[internal]
exten => 2002,1,VoiceMail(1002@default,us)
 same => n,Hangup()
exten => *97,1,VoiceMailMain(\${CALLERID(num)}@default)
 same => n,Hangup()
`;

const voicemailConf = (smtpPort: number): string => `[general]
format=wav49|gsm|wav
maxsecs=60
smtpserver=127.0.0.1:${smtpPort}
serveremail=voicemail@pbx.example.com
emailsubject=Voicemail \${VM_MSGNUM} for \${VM_MAILBOX} from \${VM_CIDNUM}

[default]
1002 => ${VM_PASSWORD},Owner Of 1002,owner@example.com
`;

describe("voicemail (baresip ↔ Switchboard: VoiceMail, VoiceMailMain, MWI NOTIFY)", () => {
  let pbx: Pbx;
  let port: number;
  let mwi: SipClient;
  let smtp: SmtpSink;
  const dir = scratchDir("voicemail");
  const tone = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 60 });
  const quiet = makeToneWav(join(dir, "quiet.wav"), { frequency: 300, seconds: 60, volume: 0.02 });
  const inbox = (): string => join(pbx.dataDir, "voicemail", "default", "1002", "INBOX");

  before(async () => {
    smtp = await startSmtpSink();
    port = await freePort(SERVER_IP);
    const rtp = await allocatePortBlock("0.0.0.0", 40);
    const common = { context: "internal", endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", dtmf_mode: "rfc4733" } };
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf":
          pjsipConf({
            ip: SERVER_IP,
            port,
            endpoints: [
              { id: CALLER.id, password: CALLER.password, maxContacts: 1, removeExisting: true, ...common },
              { id: OWNER.id, password: OWNER.password, maxContacts: 2, removeExisting: false, ...common, endpointOptions: { ...common.endpointOptions, mailboxes: "1002@default" } },
            ],
          }) +
          // A desk phone identified by its address (no digest), watching 1002's mailbox by SUBSCRIBE.
          `\n[desk]\ntype=endpoint\ncontext=internal\nallow=ulaw\naors=desk\n\n[desk]\ntype=aor\nmailboxes=1002@default\n\n[desk]\ntype=identify\nendpoint=desk\nmatch=${DESK_IP}\n`,
        "extensions.conf": EXTENSIONS,
        "voicemail.conf": voicemailConf(smtp.port),
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 39}\n`,
      },
    });
    mwi = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: MWI_IP });
    mwi.onRequest = (m) => void mwi.okTo(m);
    const r = await mwi.register({ user: OWNER.id, password: OWNER.password, expires: 600 });
    assert.equal(r.final.status, 200, "the MWI contact registered");
  });

  after(async () => {
    mwi?.close();
    await pbx?.stop();
    await smtp?.close();
  });

  async function phone(p: typeof CALLER, source: string, rtpBase: number): Promise<Baresip> {
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: source,
      maxSeconds: 90,
      accounts: [`<sip:${p.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600`],
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  /** NOTIFYs received, a retransmission counted once (answered 200 by onRequest). */
  const isNew = (m: SipMessageLite, i: number, all: SipMessageLite[]): boolean =>
    m.method === "NOTIFY" && all.findIndex((x) => x.method === "NOTIFY" && x.header("call-id") === m.header("call-id") && x.header("cseq") === m.header("cseq")) === i;
  const notifies = (): SipMessageLite[] => mwi.received.filter(isNew);
  /** 1001 calls 2002 (VoiceMail of 1002) with its tone, speaks `ms` once recording starts, then `end`s the call. */
  async function speakToMailbox(ms: number, end: (caller: Baresip) => Promise<void>): Promise<void> {
    const caller = await phone(CALLER, tone, await allocatePortBlock("0.0.0.0", 20));
    try {
      await caller.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      const mark = pbx.messagesLog().split("Recording the message").length;
      await waitUntil(() => pbx.messagesLog().split("Recording the message").length > mark, 20000, "recording started");
      await sleep(ms);
      await end(caller);
    } finally {
      await caller.stop();
    }
  }

  /** Lines of `<PJSIP/<ext>-…> Playing '…vm-password.wav'`: VoiceMailMain asking for the PIN. */
  const pinPrompts = (ext: string): number => pbx.messagesLog().split("\n").filter((l) => new RegExp(`file\\.c: <PJSIP/${ext}-[0-9a-f]+> Playing '\\S*vm-password\\.wav'`).test(l)).length;
  /** Calls *97 from `b` and waits until the PIN is asked for (keys typed before the login starts are forgotten). */
  async function openMailbox(b: Baresip, ext: string): Promise<void> {
    const asked = pinPrompts(ext);
    await b.command(`dial sip:*97@${SERVER_IP}:${port}`);
    await b.waitEvent("CALL_ESTABLISHED", 10000);
    await waitUntil(() => pinPrompts(ext) > asked, 15000, "VoiceMailMain asks for the PIN");
  }

  /** The NOTIFY after the first `skip` ones. */
  async function nextNotify(skip: number): Promise<SipMessageLite> {
    await waitUntil(() => notifies().length > skip, 10000, `MWI NOTIFY number ${skip + 1}`);
    return notifies()[skip]!;
  }

  it("the mailbox's phone gets Messages-Waiting: no when it registers; a config with gsm formats records wav and says so", async () => {
    const n = await nextNotify(0);
    assert.match(n.body, /Messages-Waiting: no/);
    assert.match(n.body, /Voice-Message: 0\/0 \(0\/0\)/);
    assert.match(n.header("event") ?? "", /message-summary/);
    assert.match(pbx.messagesLog(), /format=wav49\|gsm\|wav: Switchboard cannot write wav49, gsm/);
  });

  it("a caller leaves 5 s of a 1000 Hz tone: the message file holds it, the .txt names the caller and the duration, MWI says yes", async () => {
    const before = notifies().length;
    const caller = await phone(CALLER, tone, await allocatePortBlock("0.0.0.0", 20));
    try {
      await caller.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await pbx.waitForLog(/Recording the message/, 20000);
      await sleep(5000);
      await caller.command("hangup");
      await caller.waitEvent("CALL_CLOSED", 10000);
    } finally {
      await caller.stop();
    }
    await waitUntil(() => existsSync(join(inbox(), "msg0000.txt")), 5000, "msg0000.txt written");
    const wav = readWav(join(inbox(), "msg0000.wav"));
    const check = analyseTone(wav, 1000, { minSeconds: 4 });
    assertTone(check, "the recorded message", 1000);
    const txt = readFileSync(join(inbox(), "msg0000.txt"), "utf8");
    assert.match(txt, /^\[message\]$/m);
    assert.match(txt, /^callerid=.*<1001>$/m);
    assert.match(txt, /^origmailbox=1002$/m);
    const duration = Number(/^duration=(\d+)$/m.exec(txt)?.[1]);
    assert.ok(duration >= 4 && duration <= 7, `duration=${duration} (the caller spoke about 5 s)`);
    const n = await nextNotify(before);
    assert.match(n.body, /Messages-Waiting: yes/);
    assert.match(n.body, /Voice-Message: 1\/0 \(0\/0\)/);
    assert.match((await pbx.rx("voicemail show users")).stdout, /^default\s+1002\s+Owner Of 1002\s+1\s*$/m);
    // The owner's email, by SMTP to the test's sink, carries the message as recorded.
    await waitUntil(() => smtp.messages.length > 0, 10000, "the notification email");
    const mail = smtp.messages[0]!;
    assert.deepEqual(smtp.recipients[0], ["owner@example.com"]);
    assert.equal(mail.subject, "Voicemail 1 for 1002 from 1001");
    const attached = mail.attachments.find((a) => a.filename === "msg0000.wav");
    assert.ok(attached, "the recording is attached");
    const copy = join(dir, "attached.wav");
    writeFileSync(copy, attached.content);
    assertTone(analyseTone(readWav(copy), 1000, { minSeconds: 4 }), "the attached recording", 1000);
  });

  it("the owner calls *97, logs in with RFC 4733 keys, hears the message, deletes it; MWI goes back to no", async () => {
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const owner = await phone(OWNER, quiet, rtpBase);
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpBase}-${rtpBase + 19}`, "owner");
    let heardFrom = 0;
    const before = notifies().length;
    try {
      await openMailbox(owner, OWNER.id);
      // Password and # (typed over the prompt), then 1: play the new messages.
      for (const k of `${VM_PASSWORD}#`) {
        await owner.command(`sndcode ${k}`);
        await sleep(300);
      }
      await pbx.waitForLog(/logged in to mailbox 1002@default/, 15000);
      await owner.command("sndcode 1");
      heardFrom = Date.now();
      // "First message", the envelope ("received … at …"), then the 5 s message.
      await sleep(14000);
      await owner.command("sndcode 7");
      await sleep(1500);
      await owner.command("sndcode #");
      await sleep(500);
      await owner.command("sndcode #");
      const n = await nextNotify(before);
      assert.match(n.body, /Messages-Waiting: no/, "MWI after the delete");
      await owner.command("hangup");
    } finally {
      await owner.stop();
    }
    const got = await cap.stop();
    const d = decodeRtp(got, heardFrom, heardFrom + 14000);
    assertTone(analyseTone(d, 1000, { minSeconds: 3 }), "the owner, listening to the message", 1000);
    assert.deepEqual(readdirSync(inbox()).filter((f) => f.startsWith("msg")), [], "the message is gone from INBOX");
    assert.match((await pbx.rx("voicemail show users")).stdout, /^default\s+1002\s+Owner Of 1002\s+0\s*$/m);
  });

  it("baresip with its mwi module subscribes to message-summary: an immediate NOTIFY, then one when a message arrives", async () => {
    const owner = await startBaresip({
      ip: OWNER.ip,
      modules: ["mwi.so"],
      maxSeconds: 90,
      accounts: [`<sip:${OWNER.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${OWNER.password};audio_codecs=PCMU;regint=600`],
    });
    try {
      await waitUntil(async () => /OK/.test(await owner.reginfo()), 10000, "owner registered");
      await pbx.waitForLog(/Subscription for message-summary of 1002@default by endpoint 1002 created/, 15000);
      // baresip 1.0 prints each NOTIFY it took ("----- MWI for <aor> -----" and the body); its
      // control socket does not pass MWI events on.
      const mwiEvents = (): string[] => owner.log().split(/----- MWI for [^\n]* -----\n/).slice(1);
      await waitUntil(() => mwiEvents().some((p) => /^Messages-Waiting: no/.test(p)), 10000, `baresip's first MWI NOTIFY (its output: ${owner.log().slice(-600)})`);
      await speakToMailbox(2000, (c) => c.command("hangup").then(() => undefined));
      await waitUntil(() => mwiEvents().some((p) => /^Messages-Waiting: yes\n+Message-Account: sip:1002@\S+\n+Voice-Message: 1\/0 \(0\/0\)/.test(p)), 10000, `baresip's MWI NOTIFY for the new message (got: ${JSON.stringify(mwiEvents())})`);
      assert.match(pbx.messagesLog(), /MWI NOTIFY to sip:1002-\S+ \(endpoint 1002\) was refused with 481/, "baresip, subscribed itself, refuses the unsolicited NOTIFYs (mwi_subscribe_replaces_unsolicited=no sends both)");
    } finally {
      await owner.stop();
    }
  });

  it("SUBSCRIBE for message-summary: 200 with Expires, NOTIFYs in the dialog, refresh, unsubscribe; bad Event 489, short Expires 423", async () => {
    const desk = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: DESK_IP });
    desk.onRequest = (m) => void desk.okTo(m);
    try {
      const callId = `sub-${Date.now()}`;
      const sub = (o: { cseq: number; event?: string; expires: number; toTag?: string }): string =>
        desk.buildRequest({ method: "SUBSCRIBE", uri: `sip:desk@${SERVER_IP}:${port}`, fromUser: "desk", toUser: "desk", callId, cseq: o.cseq, fromTag: "deskTag", contact: `<sip:desk@${DESK_IP}:${desk.localPort}>`, expires: o.expires, headers: [`Event: ${o.event ?? "message-summary"}`, "Accept: application/simple-message-summary"] }).replace(/^(To: [^\r]*)/m, o.toTag ? `$1;tag=${o.toTag}` : "$1");
      const bad = await desk.request(sub({ cseq: 1, event: "as-feature-event", expires: 600 }));
      assert.equal(bad.status, 489);
      assert.match(bad.header("allow-events") ?? "", /message-summary/);
      const brief = await desk.request(sub({ cseq: 2, expires: 30 }));
      assert.equal(brief.status, 423);
      assert.equal(brief.header("min-expires"), "60");
      const ok = await desk.request(sub({ cseq: 3, expires: 7200 }));
      assert.equal(ok.status, 200);
      assert.equal(ok.header("expires"), "3600", "granted at most 3600 s");
      const tag = /;tag=([^;>\s]+)/.exec(ok.header("to") ?? "")?.[1];
      assert.ok(tag, "the 200 has our tag");
      const first = await desk.waitFor((m) => m.method === "NOTIFY" && m.header("call-id") === callId, 5000);
      assert.match(first.header("subscription-state") ?? "", /^active;expires=(3600|3599)$/);
      assert.equal(first.header("event"), "message-summary");
      assert.equal(first.header("content-type"), "application/simple-message-summary");
      assert.match(first.body, /^Messages-Waiting: (yes|no)\r\nMessage-Account: sip:1002@/);
      const refresh = await desk.request(sub({ cseq: 4, expires: 120, toTag: tag }));
      assert.equal(refresh.status, 200);
      assert.equal(refresh.header("expires"), "120");
      const second = await desk.waitFor((m) => m.method === "NOTIFY" && m.header("call-id") === callId, 5000, 1);
      assert.match(second.header("subscription-state") ?? "", /^active;expires=1[12]\d$/);
      const bye = await desk.request(sub({ cseq: 5, expires: 0, toTag: tag }));
      assert.equal(bye.status, 200);
      const last = await desk.waitFor((m) => m.method === "NOTIFY" && m.header("call-id") === callId, 5000, 2);
      assert.match(last.header("subscription-state") ?? "", /^terminated/);
      const gone = await desk.request(sub({ cseq: 6, expires: 120, toTag: tag }));
      assert.equal(gone.status, 481, "the subscription is over");
    } finally {
      desk.close();
    }
  });

  it("the owner records an unavailable greeting at *97 (0, 1, speak, #); the next caller hears it instead of the standard one", async () => {
    const greeting = makeToneWav(join(dir, "t600.wav"), { frequency: 600, seconds: 60 });
    const owner = await phone(OWNER, greeting, await allocatePortBlock("0.0.0.0", 20));
    const recordings = (): number => pbx.messagesLog().split("Recording the message").length;
    const logins = pbx.messagesLog().split("logged in to mailbox 1002@default").length;
    try {
      await openMailbox(owner, OWNER.id);
      for (const k of `${VM_PASSWORD}#`) {
        await owner.command(`sndcode ${k}`);
        await sleep(300);
      }
      await waitUntil(() => pbx.messagesLog().split("logged in to mailbox 1002@default").length > logins, 15000, "logged in");
      const before = recordings();
      await owner.command("sndcode 0");
      await sleep(800);
      await owner.command("sndcode 1");
      await waitUntil(() => recordings() > before, 15000, "the greeting is being recorded");
      await sleep(3000);
      await owner.command("sndcode #");
      await waitUntil(() => existsSync(join(pbx.dataDir, "voicemail", "default", "1002", "unavail.wav")), 5000, "unavail.wav saved");
      await owner.command("hangup");
    } finally {
      await owner.stop();
    }
    assertTone(analyseTone(readWav(join(pbx.dataDir, "voicemail", "default", "1002", "unavail.wav")), 600, { minSeconds: 2 }), "the recorded greeting", 600);
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const caller = await phone(CALLER, quiet, rtpBase);
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpBase}-${rtpBase + 19}`, "greeting");
    let from = 0;
    try {
      await caller.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      from = Date.now();
      await sleep(4000);
      await caller.command("hangup");
    } finally {
      await caller.stop();
    }
    assertTone(analyseTone(decodeRtp(await cap.stop(), from, from + 4000), 600, { minSeconds: 2 }), "the caller, hearing the greeting", 600);
  });

  it("kill -9 while a message is recorded: after the restart the mailbox lists no broken message, and leftovers are removed", async () => {
    const kept = existsSync(inbox()) ? readdirSync(inbox()).sort() : [];
    const keptMessages = kept.filter((f) => f.endsWith(".txt")).length;
    await speakToMailbox(2000, () => pbx.kill("SIGKILL"));
    // What a crash at the worst moment could leave: audio without its .txt, a temporary file.
    mkdirSync(inbox(), { recursive: true });
    const next = `msg${String(keptMessages).padStart(4, "0")}`;
    writeFileSync(join(inbox(), `${next}.wav`), Buffer.alloc(100));
    writeFileSync(join(inbox(), `.${next}.txt.tmp-12345`), "half");
    pbx = await pbx.restart();
    assert.deepEqual(readdirSync(inbox()).sort(), kept, "the messages from before are kept, nothing half-written survives the restart");
    assert.match(pbx.messagesLog(), /Voicemail 1002@default: removed \d+ incomplete message file set/);
    assert.match((await pbx.rx("voicemail show users")).stdout, new RegExp(`^default\\s+1002\\s+Owner Of 1002\\s+${keptMessages}\\s*$`, "m"));
  });

  it("wrong PINs at VoiceMailMain: maxlogins per call, each one an InvalidPassword security event the guard counts until it bans the caller", async () => {
    const count = (re: RegExp): number => pbx.messagesLog().split("\n").filter((l) => re.test(l)).length;
    const asked = /file\.c: <PJSIP\/1001-[0-9a-f]+> Playing '\S*vm-password\.wav'/;
    const wrong = /Incorrect password for mailbox '1001@default'/;
    for (let round = 0; round < 2; round++) {
      const caller = await phone(CALLER, tone, await allocatePortBlock("0.0.0.0", 20));
      try {
        await caller.command(`dial sip:*97@${SERVER_IP}:${port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        // Each wrong PIN once the PIN prompt has started, so no key is typed before the
        // application listens (it forgets keys typed ahead of its login).
        for (let attempt = 0; attempt < 3; attempt++) {
          const n = round * 3 + attempt + 1;
          const failed = count(wrong);
          // 1001 has not been asked for a PIN before this test: the n-th prompt is this attempt's.
          await waitUntil(() => count(asked) >= n, 15000, `PIN prompt ${n}`);
          for (const k of "9#") {
            await caller.command(`sndcode ${k}`);
            await sleep(300);
          }
          await waitUntil(() => count(wrong) > failed, 15000, `wrong PIN ${n} counted`);
        }
        await caller.waitEvent("CALL_CLOSED", 30000);
      } finally {
        await caller.stop();
      }
    }
    const failures = pbx.messagesLog().split("\n").filter((l) => /Incorrect password for mailbox '1001@default' on PJSIP\/1001-\S+ from 127\.0\.0\.2 \(attempt [123] of maxlogins=3\)/.test(l));
    assert.equal(failures.length, 6, "three tries per call, two calls");
    const security = readFileSync(join(pbx.dataDir, "security.log"), "utf8");
    assert.match(security, /SecurityEvent="InvalidPassword".*Service="VoiceMail".*AccountID="1001@default".*RemoteAddress="IPV4\/UDP\/127\.0\.0\.2\/\d+"/);
    await waitUntil(async () => /127\.0\.0\.2/.test((await pbx.rx("security show bans")).stdout), 5000, "the guard bans the caller after maxretry=5 failed logins");
  });
});
