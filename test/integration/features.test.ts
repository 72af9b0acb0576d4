/**
 * DTMF feature codes (features.conf [featuremap] with Dial's t/T h/H k/K x/X) pressed on real
 * phones (baresip's sndcode, RFC 4733): a blind transfer by #1 after which the two remaining
 * phones hear each other; an attended transfer by *2 (the transferer talks with the target
 * first, the transferee hears music) completed by hanging up, and one aborted by *1; the keys of a code never reach the other phone while other keys do;
 * *0 ends the call; #72 parks the other party; *3 records the call into one WAV with both tones.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { channelNames, startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, goertzelPower, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const P = {
  a: { id: "5201", password: randomPassword(), ip: "127.0.0.2", hz: 500, rtp: "24600-24699" },
  b: { id: "5202", password: randomPassword(), ip: "127.0.0.3", hz: 700, rtp: "24700-24799" },
  c: { id: "5203", password: randomPassword(), ip: "127.0.0.4", hz: 1100, rtp: "24800-24899" },
};
type Phone = (typeof P)["a"];

describe("DTMF feature codes (integration: baresip phones, features.conf, Dial options)", () => {
  let pbx: Pbx;
  let sipPort: number;
  const dir = scratchDir("features");
  const monitorDir = join(dir, "spool", "monitor");
  const tones = new Map(Object.values(P).map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    const endpoints = Object.values(P).map((p) => ({
      id: p.id,
      password: p.password,
      context: "office",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints }),
        "extensions.conf":
          "[office]\ninclude => parkedcalls\n" +
          "exten => 5202,1,Dial(PJSIP/5202,20,tH)\n same => n,Hangup()\n" +
          "exten => 5203,1,Set(WHO=${BLINDTRANSFER})\n same => n,Dial(PJSIP/5203,20)\n same => n,Hangup()\n" +
          "exten => 5212,1,Dial(PJSIP/5202,20,kX)\n same => n,Hangup()\n" +
          "exten => 5209,1,Dial(PJSIP/5209,20)\n same => n,Hangup()\n" +
          "exten => 5222,1,Dial(PJSIP/5202,20,g)\n same => n,Playback(hello-world)\n same => n,Hangup()\n",
        "features.conf": "[general]\ntransferdialattempts = 1\ntransferdigittimeout = 2\natxfernoanswertimeout = 3\n\n[featuremap]\nblindxfer => #1\natxfer => *2\ndisconnect => *0\nparkcall => #72\nautomixmon => *3\n",
        "asterisk.conf": `[directories]\nastspooldir => ${join(dir, "spool")}\n`,
        "rtp.conf": "[general]\nrtpstart=37000\nrtpend=37999\n",
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: Phone, answer: boolean): Promise<Baresip> {
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: p.rtp,
      audioSource: tones.get(p.id) ?? "",
      accounts: [`<sip:${p.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 90,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  const channels = (): Promise<string[]> => channelNames(pbx);

  async function press(b: Baresip, keys: string): Promise<void> {
    for (const k of keys) {
      await b.command(`sndcode ${k}`);
      await sleep(350);
    }
  }

  /** `b` presses the attended transfer's code (*2), waits out the "transfer" prompt (the other party hears music) and dials `target`. */
  async function consult(b: Baresip, target: string): Promise<void> {
    await press(b, "*2");
    await sleep(1500);
    await press(b, target);
  }

  const keysHeard = (b: Baresip): string =>
    b.ctrl.events
      .filter((e) => e.type === "CALL_DTMF_START")
      .map((e) => String(e.param ?? ""))
      .join("");

  /** `b` heard `hz` for `seconds` after `fromSeconds` of its recording; a negative `fromSeconds` counts from its end. */
  function assertHeard(b: Baresip, who: string, hz: number, seconds: number, fromSeconds = 0): void {
    const f = b.recordings().find((r) => r.endsWith("-dec.wav"));
    assert.ok(f, `${who} recorded what it heard`);
    const wav = readWav(f);
    const from = fromSeconds >= 0 ? fromSeconds : Math.max(0, wav.samples.length / wav.sampleRate + fromSeconds);
    assertTone(analyseTone(wav, hz, { minSeconds: seconds, from }), who, hz);
  }

  it("blind transfer by #1 (Dial option t): the called 5202 sends the caller 5201 to 5203; 5201 and 5203 hear each other", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    const c = await phone(P.c, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(2000);
      // A key that begins no code reaches the other phone; the code's keys do not.
      await press(b, "5");
      await sleep(600);
      const start = Date.now();
      await press(b, "#1");
      await sleep(1500); // "transfer" plays to 5202; 5201 hears music on hold
      await press(b, P.c.id);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      const transferredAfter = (Date.now() - start) / 1000;
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels after the transfer (5201 and 5203)");
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      assert.equal(keysHeard(a), "5", "5201 got the key 5 and none of #1 or the target's keys");
      assertHeard(c, "the transfer target 5203", P.a.hz, 3);
      assertHeard(a, "the transferee 5201 before the transfer", P.b.hz, 1.5);
      assertHeard(a, "the transferee 5201 after the transfer", P.c.hz, 3, 2 + transferredAfter);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
      assert.match(pbx.messagesLog(), new RegExp(`PJSIP/${P.b.id}-[0-9a-f]+: blind transfer of PJSIP/${P.a.id}-[0-9a-f]+ to ${P.c.id}@office \\(DTMF\\)`));
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it("a blind transfer to no extension: 5202 hears it is invalid and is back with 5201; audio both ways, keys cross again", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const t0 = Date.now();
      await sleep(1000);
      await press(b, "#1");
      await sleep(1200);
      await press(b, "99");
      await waitUntil(() => /blind transfer given up; back with PJSIP\/5201-/.test(pbx.messagesLog()), 15000, "the transfer given up");
      const back = Date.now();
      await sleep(3500);
      await press(b, "7");
      await sleep(800);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      assert.match(pbx.messagesLog(), /blind transfer target '99' is not an extension in context 'office' \(attempt 1 of 1/);
      assert.equal(keysHeard(a), "7", "after the transfer was given up 5202's keys reach 5201 again");
      // baresip records only what arrives: 5202's recording lacks the quiet while it dialled, so it is read from its end.
      const last = -(Date.now() - back) / 1000 + 0.5;
      assertHeard(a, "5201 back with 5202", P.b.hz, 2.5, (back - t0) / 1000 + 0.5);
      assertHeard(b, "5202 back with 5201", P.a.hz, 2.5, last);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("attended transfer by *2 (Dial option t): 5202 consults 5203 while 5201 hears music, then hangs up; 5201 and 5203 hear each other", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    const c = await phone(P.c, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const t0 = Date.now();
      await sleep(2000);
      await consult(b, P.c.id);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      const consulted = (Date.now() - t0) / 1000;
      await sleep(3500); // 5202 and 5203 talk; 5201 still on hold
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      const completed = (Date.now() - t0) / 1000;
      await waitUntil(async () => (await channels()).length === 2, 5000, "two channels after the transfer (5201 and 5203)");
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      assertHeard(c, "the target 5203 in the consultation", P.b.hz, 2);
      assertHeard(b, "the transferer 5202 in the consultation", P.c.hz, 2.5);
      assertHeard(c, "the target 5203 after the transfer", P.a.hz, 3);
      assertHeard(a, "the transferee 5201 before the transfer", P.b.hz, 1.5);
      assertHeard(a, "the transferee 5201 after the transfer", P.c.hz, 3, completed);
      const f = a.recordings().find((r) => r.endsWith("-dec.wav"));
      assert.ok(f);
      // On hold during the consultation: neither 5202 (talking to 5203) nor 5203 reached 5201.
      const held = { from: consulted + 0.5, to: completed - 0.5 };
      for (const [who, hz] of [["5202", P.b.hz], ["5203", P.c.hz]] as const) {
        const t = analyseTone(readWav(f), hz, held);
        assert.ok(t.totalToneSeconds < 0.5, `5201 heard ${who} for ${t.totalToneSeconds} s while on hold: ${t.timeline}`);
      }
      assert.equal(keysHeard(a), "", "5201 got none of the code's or the target's keys");
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
      assert.match(pbx.messagesLog(), new RegExp(`PJSIP/${P.b.id}-[0-9a-f]+: attended transfer \\(DTMF\\): PJSIP/${P.a.id}-[0-9a-f]+ and PJSIP/${P.c.id}-[0-9a-f]+ are connected`));
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it("attended transfer aborted by *1 (atxferabort): 5203 is hung up and 5202 talks with 5201 again, audio both ways", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    const c = await phone(P.c, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await consult(b, P.c.id);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(2500);
      await press(b, "*1");
      await c.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(async () => (await channels()).length === 2, 5000, "5201 and 5202 again");
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      assertHeard(c, "the target 5203 in the consultation", P.b.hz, 1.5);
      // What a phone records has no gaps for the time it received nothing: count from the end.
      assertHeard(a, "5201 after the abort", P.b.hz, 3, -4.5);
      assertHeard(b, "5202 after the abort", P.a.hz, 3, -4.5);
      assert.equal(keysHeard(c), "", "5203 got none of the abort code's keys");
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it("attended transfer to a phone that is not registered: the consultation's dialplan ends and 5202 is back with 5201, audio both ways", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await consult(b, "5209");
      await pbx.waitForLog(/the attended transfer's consultation of 5209@office ended \(CHANUNAVAIL\); back with PJSIP\/5201-/, 8000);
      await sleep(4000);
      assert.equal((await channels()).length, 2, "5201 and 5202 still in their call");
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      assertHeard(a, "5201 after the failed consultation", P.b.hz, 3, -4.5);
      assertHeard(b, "5202 after the failed consultation", P.a.hz, 3, -4.5);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("attended transfer while the target rings: after atxfernoanswertimeout 5202 is back with 5201; the next time 5202 hangs up and 5201 rings 5203 itself", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    const c = await phone(P.c, false);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await consult(b, P.c.id);
      await c.waitEvent("CALL_INCOMING", 10000);
      await pbx.waitForLog(/attended transfer target 5203@office did not answer within atxfernoanswertimeout \(3 s\); back with PJSIP\/5201-/, 8000);
      await c.waitEvent("CALL_CLOSED", 5000);
      await sleep(3000);
      assertHeard(a, "5201 back from the unanswered consultation", P.b.hz, 2, -3);
      // A new call (the two are in a transfer's bridge now, where no feature codes apply), and
      // this time 5202 hangs up while 5203 rings: 5201 takes over the ringing.
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await waitUntil(() => a.ctrl.events.filter((e) => e.type === "CALL_ESTABLISHED").length >= 2 || undefined, 10000, "5201's second call up");
      await sleep(1000);
      await consult(b, P.c.id);
      await waitUntil(() => c.ctrl.events.filter((e) => e.type === "CALL_INCOMING").length >= 2 || undefined, 10000, "5203 rung by the second consultation");
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      await pbx.waitForLog(/PJSIP\/5202-[0-9a-f]+ hung up while consulting 5203@office: PJSIP\/5201-[0-9a-f]+ goes there/, 5000);
      await waitUntil(() => c.ctrl.events.filter((e) => e.type === "CALL_INCOMING").length >= 3 || undefined, 10000, "5203 rung by 5201");
      await c.command("accept");
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await c.waitEvent("CALL_CLOSED", 10000);
      assertHeard(c, "5203 answering 5201", P.a.hz, 3);
      const last = a.recordings().filter((r) => r.endsWith("-dec.wav")).sort().at(-1);
      assert.ok(last);
      assertTone(analyseTone(readWav(last), P.c.hz, { minSeconds: 3, from: Math.max(0, readWav(last).samples.length / 8000 - 4.5) }), "5201 with 5203", P.c.hz);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it("disconnect by *0 (Dial option H): the caller ends the call; the called phone got no key of the code", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await press(a, "*0");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      assert.equal(keysHeard(b), "", "no key of *0 reached 5202");
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("Dial option g: when the called phone hangs up, the caller goes on in the dialplan", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    try {
      await a.command(`dial sip:5222@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(() => /Executing \[5222@office:2\] Playback/.test(pbx.messagesLog()), 5000, "the caller's dialplan went on after the Dial");
      await a.waitEvent("CALL_CLOSED", 15000);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("automixmon by *3 (Dial option X) records both tones into one WAV; parkcall by #72 (option k) parks the caller", async () => {
    const a = await phone(P.a, false);
    const b = await phone(P.b, true);
    try {
      await a.command(`dial sip:5212@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await press(a, "*3");
      await sleep(3000);
      await press(a, "*3");
      await sleep(800);
      const wavs = readdirSync(monitorDir).filter((f) => /^auto-\d+-5201-5212\.wav$/.test(f));
      assert.equal(wavs.length, 1, `one one-touch recording in ${monitorDir}: ${readdirSync(monitorDir).join(", ")}`);
      const { samples } = readWav(join(monitorDir, wavs[0] ?? ""));
      const seconds = samples.length / 8000;
      assert.ok(seconds >= 2 && seconds <= 4.5, `the second *3 stopped the recording (${seconds.toFixed(2)} s)`);
      const power = (hz: number) => goertzelPower(samples, 8000, hz, 0, samples.length) / samples.length;
      assert.ok(power(P.a.hz) > 20 * power(P.c.hz), `the caller's ${P.a.hz} Hz is in it (${power(P.a.hz).toFixed(0)} vs ${power(P.c.hz).toFixed(0)} at ${P.c.hz} Hz)`);
      assert.ok(power(P.b.hz) > 20 * power(P.c.hz), `the called phone's ${P.b.hz} Hz is in it (${power(P.b.hz).toFixed(0)} vs ${power(P.c.hz).toFixed(0)} at ${P.c.hz} Hz)`);
      // 5202 parks 5201: 5201 waits in a space of the default lot, 5202 is hung up after hearing it.
      await press(b, "#72");
      await b.waitEvent("CALL_CLOSED", 15000);
      const show = (await pbx.rx("parking show default")).stdout;
      assert.match(show, new RegExp(`Channel: PJSIP/${P.a.id}-[0-9a-f]+`), show);
      assert.match(show, new RegExp(`Parker: PJSIP/${P.b.id}-[0-9a-f]+`), show);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
