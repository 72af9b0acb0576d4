/**
 * Call transfer checked by audio, with real phones: REFER from baresip's transfer command (blind)
 * and an attended transfer (REFER with Replaces, RFC 3891) sent by a scripted phone over a real
 * socket. After each transfer the two remaining baresip phones hear each other's tone, the
 * transferor's channels are gone, and hanging up leaves no channel behind.
 *
 * baresip 1.0 has no attended transfer, so the attended transferor is a small SIP UA written in
 * this test (test/helpers/sip-client.ts): it calls both phones (digest authentication), then
 * sends the REFER in the first call's dialog naming the second call's dialog.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { channelNames, startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { ScriptedPhone } from "../helpers/scripted-phone.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
interface AmiEvent {
  Event: string;
  [k: string]: string;
}
interface AmiClientLike {
  connect(user: string, secret: string, o: { host: string; port: number }): Promise<unknown>;
  action(m: Record<string, string>, promisable: true): Promise<Record<string, string>>;
  on(ev: "event", fn: (e: AmiEvent) => void): void;
  disconnect(): void;
}
const AmiClient = require("asterisk-ami-client") as new (o: object) => AmiClientLike;
const ADMIN = { user: "cti", secret: randomPassword() };

const SERVER_IP = "127.0.0.1";
const P = {
  a: { id: "5101", password: randomPassword(), ip: "127.0.0.2", hz: 500 },
  b: { id: "5102", password: randomPassword(), ip: "127.0.0.3", hz: 700 },
  c: { id: "5103", password: randomPassword(), ip: "127.0.0.4", hz: 1100 },
  x: { id: "5109", password: randomPassword(), ip: "127.0.0.5", hz: 0 },
  n: { id: "5108", password: randomPassword(), ip: "127.0.0.6", hz: 0 },
};
type Phone = (typeof P)["a"];


describe("call transfer (integration: baresip phones, REFER blind and attended)", () => {
  let pbx: Pbx;
  let sipPort: number;
  let amiPort: number;
  let ami: AmiClientLike;
  const events: AmiEvent[] = [];
  const dir = scratchDir("transfer");
  const tones = new Map(Object.values(P).filter((p) => p.hz > 0).map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    amiPort = await freePort(SERVER_IP);
    const endpoints = Object.values(P).map((p) => ({
      id: p.id,
      password: p.password,
      context: "office",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", ...(p === P.n ? { allow_transfer: "no" } : {}) },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints }),
        "extensions.conf":
          "[office]\nexten => _51XX,1,Set(WHO=${BLINDTRANSFER}${ATTENDEDTRANSFER})\n same => n,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n" +
          "exten => 5198,1,Answer()\n same => n,Wait(1)\n same => n,Transfer(PJSIP/5103)\n same => n,Set(GLOBAL(XFER)=${TRANSFERSTATUS}/${TRANSFERSTATUSPROTOCOL})\n same => n,Hangup()\n" +
          "exten => 5197,1,Transfer(5103)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=36000\nrtpend=36999\n",
        "manager.conf": `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 127.0.0.1\n\n[${ADMIN.user}]\nsecret = ${ADMIN.secret}\nread = call\nwrite = call\n`,
      },
    });
    ami = new AmiClient({ reconnect: false, keepAlive: false, emitEventsByTypes: false, emitResponsesById: true });
    ami.on("event", (e) => events.push(e));
    await ami.connect(ADMIN.user, ADMIN.secret, { host: SERVER_IP, port: amiPort });
  });
  after(async () => {
    ami?.disconnect();
    await pbx?.stop();
  });

  async function phone(p: Phone, rtp: string, answer: boolean): Promise<Baresip> {
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: rtp,
      audioSource: tones.get(p.id) ?? "",
      accounts: [`<sip:${p.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 90,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  const channels = (): Promise<string[]> => channelNames(pbx);

  /** What `b` heard in its (only) call: the tone `hz` for at least `seconds` in the part after `fromSeconds`. */
  function assertHeard(b: Baresip, who: string, hz: number, seconds: number, fromSeconds = 0): void {
    const f = b.recordings().find((r) => r.endsWith("-dec.wav"));
    assert.ok(f, `${who} recorded what it heard`);
    const wav = readWav(f);
    assertTone(analyseTone(wav, hz, { minSeconds: seconds, from: fromSeconds }), who, hz);
  }

  it("blind: 5102 transfers 5101 to 5103 with baresip's transfer (REFER); 5101 and 5103 hear each other, 5102 is hung up", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(2500);
      const start = Date.now();
      assert.equal((await b.command(`transfer sip:${P.c.id}@${SERVER_IP}:${sipPort}`)).ok, true, "baresip took the transfer command");
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      const transferredAfter = (Date.now() - start) / 1000;
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels after the transfer (5101 and 5103)");
      const names = await channels();
      assert.ok(names.some((n) => n.startsWith(`PJSIP/${P.a.id}-`)) && names.some((n) => n.startsWith(`PJSIP/${P.c.id}-`)), `channels: ${names.join(", ")}`);
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertHeard(c, "the transfer target 5103", P.a.hz, 3);
      // 5101's one call: 5102's tone first, then after the transfer 5103's.
      assertHeard(a, "the transferee 5101 before the transfer", P.b.hz, 1.5);
      assertHeard(a, "the transferee 5101 after the transfer", P.c.hz, 3, 2.5 + transferredAfter);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
      assert.match(pbx.messagesLog(), new RegExp(`blind transfer of PJSIP/${P.a.id}-[0-9a-f]+ to ${P.c.id}@office`));
      const ev = events.find((e) => e.Event === "BlindTransfer");
      assert.ok(ev, `a BlindTransfer event (got ${events.map((e) => e.Event).join(", ")})`);
      assert.equal(ev.Result, "Success");
      assert.match(ev.TransfererChannel ?? "", new RegExp(`^PJSIP/${P.b.id}-`));
      assert.match(ev.TransfereeChannel ?? "", new RegExp(`^PJSIP/${P.a.id}-`));
      assert.equal(ev.Extension, P.c.id);
      assert.equal(ev.Context, "office");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });
  it("blind: the caller 5101 transfers 5102 to 5103; 5102 and 5103 hear each other, 5101 is hung up", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(2500);
      const start = Date.now();
      assert.equal((await a.command(`transfer sip:${P.c.id}@${SERVER_IP}:${sipPort}`)).ok, true);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await a.waitEvent("CALL_CLOSED", 10000);
      const transferredAfter = (Date.now() - start) / 1000;
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels after the transfer (5102 and 5103)");
      await sleep(4000);
      await c.command("hangup");
      await c.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertHeard(c, "the transfer target 5103", P.b.hz, 3);
      assertHeard(b, "the transferee 5102 after the transfer", P.c.hz, 3, 2.5 + transferredAfter);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  it("attended: a phone calls 5102, then 5103, and sends REFER with Replaces; 5102 and 5103 hear each other, both of its calls end", async () => {
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", true);
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      const first = await x.call(P.b.id);
      await b.waitEvent("CALL_ESTABLISHED", 10000);
      const second = await x.call(P.c.id);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(async () => (await channels()).length === 4, 5000, "four channels before the transfer");
      const accepted = await x.refer(first, second, P.c.id);
      assert.equal(accepted.status, 202, accepted.raw);
      const notify = await x.sip.waitFor((m) => !m.isResponse && m.method === "NOTIFY" && m.body.startsWith("SIP/2.0 200"), 5000);
      assert.equal(notify.header("event"), "refer");
      assert.match(notify.header("subscription-state") ?? "", /^terminated/);
      assert.match(notify.header("content-type") ?? "", /^message\/sipfrag/);
      // The PBX hangs up both of the transferor's calls.
      for (const call of [first, second]) await x.sip.waitFor((m) => !m.isResponse && m.method === "BYE" && m.header("call-id") === call.callId, 5000);
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels after the transfer");
      const names = await channels();
      assert.ok(names.some((n) => n.startsWith(`PJSIP/${P.b.id}-`)) && names.some((n) => n.startsWith(`PJSIP/${P.c.id}-`)), `channels: ${names.join(", ")}`);
      await sleep(4000);
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      // Before the transfer each heard the scripted phone, which sends nothing: any tone is the other's.
      assertHeard(b, "the transferee 5102", P.c.hz, 3);
      assertHeard(c, "the transfer target 5103", P.b.hz, 3);
      const ev = events.find((e) => e.Event === "AttendedTransfer");
      assert.ok(ev, "an AttendedTransfer event");
      assert.equal(ev.Result, "Success");
      assert.equal(ev.DestType, "Bridge");
      assert.match(ev.TransfereeChannel ?? "", new RegExp(`^PJSIP/${P.b.id}-`));
      assert.match(ev.TransferTargetChannel ?? "", new RegExp(`^PJSIP/${P.c.id}-`));
      assert.match(ev.OrigTransfererChannel ?? "", new RegExp(`^PJSIP/${P.x.id}-`));
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      x.close();
      await b.stop();
      await c.stop();
    }
  });

  it("refusals: allow_transfer=no answers 603, a target not in the dialplan 404; the call goes on", async () => {
    const b = await phone(P.b, "23700-23799", true);
    const n = await ScriptedPhone.start(P.n.ip, { ip: SERVER_IP, port: sipPort }, P.n.id, P.n.password);
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      const blocked = await n.call(P.b.id);
      blocked.cseq++;
      const r1 = await n.sip.request(n.inDialog(blocked, "REFER", blocked.cseq, [`Refer-To: <sip:${P.c.id}@${SERVER_IP}>`]));
      assert.equal(r1.status, 603, r1.raw);
      await pbx.waitForLog(new RegExp(`Endpoint ${P.n.id} transfer attempt blocked due to configuration`), 5000);
      const call = await x.call(P.b.id);
      call.cseq++;
      const r2 = await x.sip.request(x.inDialog(call, "REFER", call.cseq, [`Refer-To: <sip:7777@${SERVER_IP}>`]));
      assert.equal(r2.status, 404, r2.raw);
      await pbx.waitForLog(/blind transfer to '7777@office' refused with 404/, 5000);
      assert.equal((await channels()).length, 4, "both calls are still up");
      await pbx.rx("channel request hangup all");
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      n.close();
      x.close();
      await b.stop();
    }
  });
  it("AMI BlindTransfer: the callee's channel is transferred away; the caller reaches 5103 and they hear each other", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const callee = (await channels()).find((n) => n.startsWith(`PJSIP/${P.b.id}-`));
      assert.ok(callee);
      const missing = await ami.action({ Action: "BlindTransfer", Channel: "PJSIP/nobody-00000000", Exten: P.c.id }, true);
      assert.equal(missing.Response, "Error");
      const r = await ami.action({ Action: "BlindTransfer", Channel: callee, Exten: P.c.id, Context: "office" }, true);
      assert.equal(r.Response, "Success", JSON.stringify(r));
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await sleep(4000);
      await a.command("hangup");
      await c.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertHeard(c, "the transfer target 5103", P.a.hz, 3);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
      const atx = await ami.action({ Action: "Atxfer", Channel: callee, Exten: P.c.id }, true);
      assert.equal(atx.Response, "Error", "Atxfer on a channel that has hung up");
      assert.match(atx.Message ?? "", /does not exist/);
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });
  it("AMI Atxfer: the callee consults 5103 while the caller is held; when the callee hangs up, the caller and 5103 hear each other", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const callee = (await channels()).find((n) => n.startsWith(`PJSIP/${P.b.id}-`));
      assert.ok(callee);
      const noExten = await ami.action({ Action: "Atxfer", Channel: callee, Exten: "5999", Context: "nowhere" }, true);
      assert.equal(noExten.Response, "Error", JSON.stringify(noExten));
      const before = events.length;
      const r = await ami.action({ Action: "Atxfer", Channel: callee, Exten: P.c.id, Context: "office" }, true);
      assert.equal(r.Response, "Success", JSON.stringify(r));
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(3000);
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      const ev = await waitUntil(() => events.slice(before).find((e) => e.Event === "AttendedTransfer"), 5000, "AttendedTransfer");
      assert.equal(ev.Result, "Success");
      assert.match(ev.TransfereeChannel ?? "", new RegExp(`^PJSIP/${P.a.id}-`));
      assert.match(ev.TransferTargetChannel ?? "", new RegExp(`^PJSIP/${P.c.id}-`));
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      assertHeard(c, "the target 5103 in the consultation", P.b.hz, 2);
      assertHeard(c, "the target 5103 after the transfer", P.a.hz, 3);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });
  it("Transfer() after answer: the PBX sends the caller's phone a REFER; baresip calls 5103 itself and they hear each other", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const c = await phone(P.c, "23800-23899", true);
    try {
      await a.command(`dial sip:5198@${SERVER_IP}:${sipPort}`);
      await c.waitEvent("CALL_ESTABLISHED", 15000);
      await pbx.waitForLog(new RegExp(`PJSIP/${P.a.id}-[0-9a-f]+: transfer to sip:${P.c.id}@127\\.0\\.0\\.1:\\d+ succeeded`), 10000);
      await sleep(4000);
      await c.command("hangup");
      await c.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertHeard(c, "the transfer target 5103", P.a.hz, 3);
      await waitUntil(async () => (await channels()).length === 0, 10000, "no channel left");
    } finally {
      await a.stop();
      await c.stop();
    }
  });

  it("Transfer() before answer: 302 Moved Temporarily with the destination as Contact", async () => {
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      await assert.rejects(x.call("5197"), (err: Error) => {
        assert.match(err.message, /SIP\/2\.0 302 Moved Temporarily/);
        assert.match(err.message, /Contact: <sip:5103@127\.0\.0\.1:\d+>/);
        return true;
      });
    } finally {
      x.close();
    }
  });
});
