/**
 * Call pickup and INVITE with Replaces, checked by audio: a baresip caller rings a phone; another
 * phone takes the call — by dialling features.conf's pickupexten (*8, group pickup), by a
 * directed Pickup() in the dialplan, or by an INVITE with Replaces naming the ringing dialog (a
 * BLF key's pickup) — and the caller and the picker hear each other's tone; the ringing phone
 * stops ringing. An INVITE with Replaces naming an answered call takes that call's place.
 *
 * The phones that must send Replaces or expose their dialog's tags are scripted phones
 * (test/helpers/scripted-phone.ts) with a real RTP socket: their tone is PCMU on the wire, and
 * what reaches them is decoded and checked like a recording.
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

const SERVER_IP = "127.0.0.1";
const P = {
  a: { id: "5201", password: randomPassword(), ip: "127.0.0.2", hz: 500, opts: {} },
  b: { id: "5202", password: randomPassword(), ip: "127.0.0.3", hz: 700, opts: { call_group: "1", named_call_group: "sales" } },
  c: { id: "5203", password: randomPassword(), ip: "127.0.0.4", hz: 1100, opts: { pickup_group: "1-3" } },
  x: { id: "5209", password: randomPassword(), ip: "127.0.0.5", hz: 900, opts: {} },
};
type Phone = (typeof P)["a"];

describe("call pickup and INVITE with Replaces (integration: baresip and scripted phones)", () => {
  let pbx: Pbx;
  let sipPort: number;
  const dir = scratchDir("pickup");
  const tones = new Map(Object.values(P).map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    const endpoints = Object.values(P).map((p) => ({
      id: p.id,
      password: p.password,
      context: "office",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", ...p.opts },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints }),
        "extensions.conf": "[office]\nexten => _52XX,1,Dial(PJSIP/${EXTEN},30)\n same => n,Hangup()\nexten => _**52XX,1,Pickup(${EXTEN:2}@office)\n same => n,Hangup()\n",
        "features.conf": "[general]\npickupexten = *8\n",
        "rtp.conf": "[general]\nrtpstart=37000\nrtpend=37999\n",
      },
    });
  });
  after(async () => {
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

  function heardBy(b: Baresip, who: string, hz: number, seconds: number): void {
    const f = b.recordings().find((r) => r.endsWith("-dec.wav"));
    assert.ok(f, `${who} recorded what it heard`);
    assertTone(analyseTone(readWav(f), hz, { minSeconds: seconds }), who, hz);
  }

  /** 5201 calls 5202 (ringing, not answering); `pick` makes 5203 take the call; both hear each other. */
  async function pickupBy(dialled: string): Promise<void> {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", false);
    const c = await phone(P.c, "23800-23899", false);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await b.waitEvent("CALL_INCOMING", 10000);
      await c.command(`dial sip:${dialled}@${SERVER_IP}:${sipPort}`);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels: the caller and the picker");
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      heardBy(a, "the caller 5201", P.c.hz, 3);
      heardBy(c, "the picker 5203", P.a.hz, 3);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  }

  it("*8 (pickupexten): 5203, pickup_group 1-3, picks up the call ringing on 5202 (call_group 1)", async () => {
    await pickupBy("*8");
    assert.match(pbx.messagesLog(), new RegExp(`PJSIP/${P.c.id}-[0-9a-f]+ picked up ringing channel PJSIP/${P.b.id}-`));
  });

  it("Pickup(5202@office) in the dialplan (**5202): directed pickup", async () => {
    await pickupBy(`**${P.b.id}`);
  });

  it("nothing to pick up: *8 runs the dialplan (no *8 extension: 404), Pickup() logs and goes on", async () => {
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      await assert.rejects(x.call("*8"), /404/);
      await assert.rejects(x.call(`**${P.b.id}`), /603|480|404|486|503|500/);
      await pbx.waitForLog(new RegExp(`No target channel found for ${P.b.id}@office`), 5000);
    } finally {
      x.close();
    }
  });

  it("INVITE with Replaces naming the ringing leg's early dialog (a BLF pickup): the caller and the new phone hear each other, the ringing phone gets CANCEL", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const ringing = await ScriptedPhone.start(P.b.ip, { ip: SERVER_IP, port: sipPort }, P.b.id, P.b.password);
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      const reg = await ringing.sip.register({ user: P.b.id, password: P.b.password, expires: 600 });
      assert.equal(reg.final.status, 200);
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await waitUntil(() => ringing.incoming.length > 0, 10000, "the PBX rings 5202");
      const { invite, toTag } = ringing.incoming[0]!;
      const pbxTag = /;tag=([^;>\s]+)/.exec(invite.header("from") ?? "")?.[1] ?? "";
      const replaces = `${invite.header("call-id") ?? ""};to-tag=${pbxTag};from-tag=${toTag}`;
      x.playTone(P.x.hz);
      const start = Date.now();
      await x.call(P.b.id, [`Replaces: ${replaces}`, "Require: replaces"]);
      await ringing.sip.waitFor((m) => !m.isResponse && m.method === "CANCEL", 5000);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      heardBy(a, "the caller 5201", P.x.hz, 3);
      const heard = x.heard(start);
      assertTone(analyseTone(heard, P.a.hz, { minSeconds: 3 }), "the phone that picked up (5209)", P.a.hz);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      ringing.close();
      x.close();
    }
  });

  it("INVITE with Replaces naming an answered call: the new phone takes its place (the caller hears it), the replaced phone gets BYE; an unknown dialog is 481", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const answering = await ScriptedPhone.start(P.b.ip, { ip: SERVER_IP, port: sipPort }, P.b.id, P.b.password);
    const x = await ScriptedPhone.start(P.x.ip, { ip: SERVER_IP, port: sipPort }, P.x.id, P.x.password);
    try {
      answering.answerWith = "answer";
      const reg = await answering.sip.register({ user: P.b.id, password: P.b.password, expires: 600 });
      assert.equal(reg.final.status, 200);
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const { invite, toTag } = answering.incoming[0]!;
      const pbxTag = /;tag=([^;>\s]+)/.exec(invite.header("from") ?? "")?.[1] ?? "";
      await assert.rejects(x.call(P.b.id, [`Replaces: nosuchcall;to-tag=1;from-tag=2`]), /481/);
      x.playTone(P.x.hz);
      const start = Date.now();
      await x.call(P.b.id, [`Replaces: ${invite.header("call-id") ?? ""};to-tag=${pbxTag};from-tag=${toTag}`]);
      await answering.sip.waitFor((m) => !m.isResponse && m.method === "BYE", 5000);
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      const f = a.recordings().find((r) => r.endsWith("-dec.wav"));
      assert.ok(f);
      // The caller's one call: silence from the scripted phone first, then the new phone's tone.
      assertTone(analyseTone(readWav(f), P.x.hz, { minSeconds: 3 }), "the caller 5201", P.x.hz);
      assertTone(analyseTone(x.heard(start), P.a.hz, { minSeconds: 3 }), "the replacing phone 5209", P.a.hz);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      answering.close();
      x.close();
    }
  });
});
