/**
 * Call parking with baresip phones, checked by audio: a phone parks its caller by blind
 * transfer to 700 (its transfer key), `parking show` lists the parked call in space 701, and a
 * third phone dials 701: caller and retriever hear each other's tone. In a lot with a short
 * parkingtime the parked call comes back and rings the phone that parked it, which then hears
 * the caller again. A space with no call is refused; the dialplan reaches the lot's extensions
 * through `include => parkedcalls`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { channelNames, startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const P = {
  a: { id: "5301", password: randomPassword(), ip: "127.0.0.2", hz: 500 },
  b: { id: "5302", password: randomPassword(), ip: "127.0.0.3", hz: 700 },
  c: { id: "5303", password: randomPassword(), ip: "127.0.0.4", hz: 1100 },
};
type Phone = (typeof P)["a"];

describe("call parking (integration: baresip phones, res_parking.conf)", () => {
  let pbx: Pbx;
  let sipPort: number;
  const dir = scratchDir("parking");
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
        "extensions.conf": "[office]\ninclude => parkedcalls\nexten => _53XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "res_parking.conf": "[default]\nparkingtime = 60\n\n[short]\nparkext = 800\nparkpos = 801-805\ncontext = parkedcalls\nparkingtime = 3\ncomebackdialtime = 20\nparkext_exclusive = yes\n",
        "rtp.conf": "[general]\nrtpstart=38000\nrtpend=38999\n",
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

  function lastHeard(b: Baresip): string {
    const files = b.recordings().filter((r) => r.endsWith("-dec.wav")).sort();
    const f = files.at(-1);
    assert.ok(f, "the phone recorded what it heard");
    return f;
  }

  it("5302 parks its caller by transfer to 700; parking show lists space 701; 5303 dials 701 and talks with the caller", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", false);
    try {
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await b.command(`transfer sip:700@${SERVER_IP}:${sipPort}`);
      await b.waitEvent("CALL_CLOSED", 10000);
      const shown = await waitUntil(async () => {
        const t = (await pbx.rx("parking show default")).stdout;
        return t.includes(`Channel: PJSIP/${P.a.id}-`) ? t : undefined;
      }, 5000, "the parked call in parking show");
      assert.match(shown, /Space: 701\n/);
      assert.match(shown, new RegExp(`Parker: PJSIP/${P.b.id}-`));
      const lots = (await pbx.rx("parking show")).stdout;
      assert.match(lots, /Parking Lot: default\n/);
      assert.match(lots, /Parking Lot: short\n[\s\S]*Parking Spaces {6}: {2}801-805\n/);
      // Parked for a while: the caller hears music on hold meanwhile.
      await sleep(3500);
      await c.command(`dial sip:701@${SERVER_IP}:${sipPort}`);
      await c.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(4000);
      assert.doesNotMatch((await pbx.rx("parking show default")).stdout, /Space: 701/, "the space is free again");
      await c.command("hangup");
      await c.waitEvent("CALL_CLOSED", 10000);
      await a.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertTone(analyseTone(readWav(lastHeard(c)), P.a.hz, { minSeconds: 3 }), "the retriever 5303", P.a.hz);
      const heardByA = readWav(lastHeard(a));
      assertTone(analyseTone(heardByA, P.c.hz, { minSeconds: 3 }), "the parked caller 5301 after retrieval", P.c.hz);
      // Music while parked: audible seconds that are neither the parker's tone nor the retriever's.
      const music = activeSeconds(heardByA) - analyseTone(heardByA, P.b.hz).totalToneSeconds - analyseTone(heardByA, P.c.hz).totalToneSeconds;
      assert.ok(music >= 2, `the parked caller heard ${music.toFixed(1)} s of music on hold (audible ${activeSeconds(heardByA)} s in all)`);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  it("a call parked in lot short (3 s) comes back to the phone that parked it; they hear each other; an empty space is refused", async () => {
    const a = await phone(P.a, "23600-23699", false);
    const b = await phone(P.b, "23700-23799", true);
    const c = await phone(P.c, "23800-23899", false);
    try {
      await c.command(`dial sip:805@${SERVER_IP}:${sipPort}`);
      await c.waitEvent("CALL_CLOSED", 10000);
      await pbx.waitForLog(/no parked call in space 805 of lot short/, 5000);
      await a.command(`dial sip:${P.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      await b.command(`transfer sip:800@${SERVER_IP}:${sipPort}`);
      await b.waitEvent("CALL_CLOSED", 10000);
      await pbx.waitForLog(new RegExp(`PJSIP/${P.a.id}-[0-9a-f]+: parked in space 801 of lot short`), 5000);
      // After 3 s the PBX rings 5302 again (auto-answer) with the parked caller.
      await b.waitEvent("CALL_ESTABLISHED", 15000);
      await pbx.waitForLog(/timed out; ringing PJSIP\/5302/, 5000);
      await sleep(4000);
      await b.command("hangup");
      await b.waitEvent("CALL_CLOSED", 10000);
      await a.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertTone(analyseTone(readWav(lastHeard(b)), P.a.hz, { minSeconds: 3 }), "the parker 5302 on the comeback call", P.a.hz);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });
});
