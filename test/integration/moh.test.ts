/**
 * Music on hold heard on the wire: two baresip phones in a call through Switchboard, 1001 sends
 * 1000 Hz and 1002 sends 440 Hz. When one holds (`hold` on ctrl_tcp: a re-INVITE with
 * a=sendonly), the other must receive music for the whole hold — audio well above silence
 * that is neither phone's tone (no window carries 1000 or 440 Hz, the loudest frequency is
 * neither) and that changes (several different loudest frequencies: a melody, not one tone);
 * after the resume both tones flow again. The held party's class comes from the holding
 * endpoint's moh_suggest: 1001 suggests `default` (Switchboard's generated music, no files),
 * 1002 suggests `tones`, a files class whose directory holds one 1500 Hz WAV.
 *
 * The dialplan's MusicOnHold(,4) is checked the same way: the caller hears music, then the
 * dialplan goes on (a 1000 Hz Playback tone after it proves the duration ended the music). And
 * Dial(PJSIP/1002,20,m): the caller hears music while 1002 rings, then 1002's tone once it answers.
 *
 * The wire is read rather than baresip's recordings, as in calls-hold-audio.test.ts (baresip
 * stops recording after a hold and resume).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, analyseTone, assertTone, dominantFrequency, makeToneWav, toneWindows, type Wav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword(), ip: "127.0.0.2", hz: 1000, suggest: "default" };
const B = { id: "1002", password: randomPassword(), ip: "127.0.0.3", hz: 440, suggest: "tones" };
type Phone = typeof A;
const FILE_HZ = 1500;

const TALK_MS = 3000;
const HOLD_MS = 4500;
const SETTLE_MS = 500;

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
exten => 2002,1,Dial(PJSIP/1002,20,m)
 same => n,Hangup()
exten => 700,1,Answer()
 same => n,MusicOnHold(,4)
 same => n,Playback(tone:1000)
 same => n,Hangup()
`;

interface Window {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** Music: loud enough most of the window, neither phone's tone in any window, and not one frequency. */
function assertMusic(d: Wav & { packets: number }, seconds: number, who: string, notHz: readonly number[]): void {
  const active = activeSeconds(d);
  // 80 %: a loaded machine may drop or skip a few packets; without music there would be none.
  assert.ok(active >= 0.8 * seconds, `${who}: only ${active} s of ${seconds.toFixed(1)} s above silence (${d.packets} packets)`);
  for (const hz of notHz) {
    const c = analyseTone(d, hz);
    assert.equal(c.totalToneSeconds, 0, `${who}: heard ${hz} Hz (a phone's tone) for ${c.totalToneSeconds} s; timeline: ${c.timeline}`);
    const dom = dominantFrequency(d);
    assert.ok(Math.abs(dom.frequency - hz) > 20, `${who}: the loudest frequency is ${dom.frequency} Hz, a phone's tone`);
  }
  const peaks = new Set(toneWindows(d, notHz[0] ?? 1000).flatMap((w) => (w.kind === "other" && w.peakHz !== undefined ? [Math.round(w.peakHz / 20)] : [])));
  assert.ok(peaks.size >= 3, `${who}: the music should move between notes; loudest frequencies seen: ${[...peaks].map((p) => p * 20).join(", ")} Hz`);
}

describe("music on hold (baresip ↔ Switchboard ↔ baresip)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("moh");
  const tones = new Map([A, B].map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));
  const mohDir = join(dir, "moh-tones");
  mkdirSync(mohDir);
  makeToneWav(join(mohDir, "tone-1500.wav"), { frequency: FILE_HZ, seconds: 3 });

  before(async () => {
    port = await freePort(SERVER_IP);
    const rtp = await allocatePortBlock("0.0.0.0", 40);
    const endpoints = [A, B].map((e) => ({
      id: e.id,
      password: e.password,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", moh_suggest: e.suggest },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 39}\n`,
        "musiconhold.conf": `[general]\n\n[tones]\nmode=files\ndirectory=${mohDir}\nsort=alpha\n`,
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: Phone, rtpBase: number, answer: boolean): Promise<Baresip> {
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: tones.get(p.id) ?? "",
      maxSeconds: 90,
      accounts: [`<sip:${p.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${p.password};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`],
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  async function logged(p: Phone, what: "put on hold" | "taken off hold"): Promise<number> {
    await pbx.waitForLog(new RegExp(`PJSIP/${p.id}-[0-9a-f]+: ${what}`), 10000);
    return Date.now();
  }

  /** 1001 calls 1002; `holder` holds for HOLD_MS and resumes; what arrived at each phone, in three windows. */
  async function holdCall(holder: Phone): Promise<{ atA: CapturedDatagram[]; atB: CapturedDatagram[]; windows: [Window, Window, Window]; classes: string }> {
    const rtpA = await allocatePortBlock("0.0.0.0", 20);
    const rtpB = await allocatePortBlock("0.0.0.0", 20);
    const a = await phone(A, rtpA, false);
    const b = await phone(B, rtpB, true);
    const byId = new Map([[A.id, a], [B.id, b]]);
    const capA = await startRtpCapture(dir, `udp dst portrange ${rtpA}-${rtpA + 19}`, `at-${A.id}-${holder.id}`);
    const capB = await startRtpCapture(dir, `udp dst portrange ${rtpB}-${rtpB + 19}`, `at-${B.id}-${holder.id}`);
    let stopped = false;
    try {
      await a.command(`dial sip:${B.id}@${SERVER_IP}:${port}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(async () => {
        const text = (await pbx.rx("pjsip show channelstats")).stdout;
        const tx = [...text.matchAll(/^\s*PJSIP\/\S+\s+\S+\s+\S+\s+\S+\s+(?:yes|no)\s+\d+\s+\d+\s+(\d+)\s+\d+\s+\S+\s+(?:yes\/\d+|no)\s*$/gm)].map((m) => Number(m[1]));
        return tx.length === 2 && tx.every((n) => n > 0) ? text : undefined;
      }, 10000, "RTP relayed to both phones");
      const up = Date.now();
      await sleep(TALK_MS);
      const holdAt = Date.now();
      const h = byId.get(holder.id);
      assert.ok(h);
      assert.equal((await h.command("hold")).ok, true, "baresip accepted hold");
      const held = await logged(holder, "put on hold");
      await sleep(HOLD_MS / 2);
      const classes = (await pbx.rx("moh show classes")).stdout;
      await sleep(HOLD_MS / 2);
      const resumeAt = Date.now();
      assert.equal((await h.command("resume")).ok, true, "baresip accepted resume");
      const resumed = await logged(holder, "taken off hold");
      await sleep(TALK_MS);
      const end = Date.now();
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      const atA = await capA.stop();
      const atB = await capB.stop();
      stopped = true;
      return {
        atA,
        atB,
        classes,
        windows: [
          { name: "before the hold", from: up + SETTLE_MS, to: holdAt },
          { name: "during the hold", from: held + SETTLE_MS, to: resumeAt },
          { name: "after the resume", from: resumed + SETTLE_MS, to: end },
        ],
      };
    } finally {
      if (!stopped) {
        await capA.stop();
        await capB.stop();
      }
      await a.stop();
      await b.stop();
    }
  }

  function assertHears(at: CapturedDatagram[], w: Window, listener: Phone, hz: number): void {
    const d = decodeRtp(at, w.from, w.to);
    const seconds = (w.to - w.from) / 1000;
    assertTone(analyseTone(d, hz, { minSeconds: seconds - 0.5 }), `${listener.id} ${w.name} (${d.packets} packets in ${seconds.toFixed(1)} s)`, hz);
  }

  it("1001 holds: 1002 hears the built-in default class (generated music, not a phone's tone) for the whole hold; tones both ways after the resume", async () => {
    const { atA, atB, windows, classes } = await holdCall(A);
    const [pre, hold, post] = windows;
    for (const w of [pre, post]) {
      assertHears(atB, w, B, A.hz);
      assertHears(atA, w, A, B.hz);
    }
    const d = decodeRtp(atB, hold.from, hold.to);
    assertMusic(d, (hold.to - hold.from) / 1000, `${B.id} during the hold`, [A.hz, B.hz]);
    // The holding phone asked for no audio (sendonly): it hears neither the other phone nor music.
    assert.ok(activeSeconds(decodeRtp(atA, hold.from, hold.to)) < 0.1, "the holding phone receives nothing audible during the hold");
    assert.match(classes, /Class: default\n\tMode: files\n\tDirectory: <none>\n\tUse Count: 1\n/, `moh show classes during the hold:\n${classes}`);
    await waitUntil(async () => /Channels:\s+0/.test((await pbx.rx("core show resources")).stdout), 10000, "channels released");
  });

  it("1002 (moh_suggest=tones) holds: 1001 hears the files of class tones (1500 Hz) for the whole hold; tones both ways after the resume", async () => {
    const { atA, atB, windows, classes } = await holdCall(B);
    const [pre, hold, post] = windows;
    for (const w of [pre, post]) {
      assertHears(atB, w, B, A.hz);
      assertHears(atA, w, A, B.hz);
    }
    // The 3 s file repeats: the whole hold carries it (a gap between rounds of at most a frame or two).
    assertHears(atA, hold, A, FILE_HZ);
    assert.match(classes, /Class: tones\n\tMode: files\n\tDirectory: \S+moh-tones\n\tUse Count: 1\n/, `moh show classes during the hold:\n${classes}`);
    const files = (await pbx.rx("moh show files")).stdout;
    assert.match(files, /^Class: tones\n\tFile: \S+\/moh-tones\/tone-1500\n$/, files);
  });

  it("Dial(…,m): the caller hears music while the callee rings, then the callee once it answers", async () => {
    const rtpA = await allocatePortBlock("0.0.0.0", 20);
    const rtpB = await allocatePortBlock("0.0.0.0", 20);
    const a = await phone(A, rtpA, false);
    const b = await phone(B, rtpB, false);
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpA}-${rtpA + 19}`, "at-1001-2002");
    let at: CapturedDatagram[] = [];
    try {
      await a.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await b.waitEvent("CALL_INCOMING", 10000);
      const ringing = Date.now();
      await sleep(4000);
      const answered = Date.now();
      assert.equal((await b.command("accept")).ok, true, "baresip accepted the call");
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(3000);
      const end = Date.now();
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000).catch(() => undefined);
      at = await cap.stop();
      assertMusic(decodeRtp(at, ringing + 700, answered), (answered - ringing - 700) / 1000, "1001 while 1002 rings", [A.hz, B.hz]);
      assertHears(at, { name: "after 1002 answered", from: answered + 700, to: end }, A, B.hz);
    } finally {
      if (at.length === 0) await cap.stop().catch(() => undefined);
      await a.stop();
      await b.stop();
    }
  });

  it("MusicOnHold(,4) in the dialplan: the caller hears music for 4 s, then the dialplan goes on", async () => {
    const rtpA = await allocatePortBlock("0.0.0.0", 20);
    const a = await phone(A, rtpA, false);
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpA}-${rtpA + 19}`, "at-1001-700");
    let at: CapturedDatagram[] = [];
    try {
      await a.command(`dial sip:700@${SERVER_IP}:${port}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const up = Date.now();
      await pbx.waitForLog(/Started music on hold, class 'default', on channel 'PJSIP\/1001-/, 5000);
      await sleep(6000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000).catch(() => undefined);
      at = await cap.stop();
      const music = decodeRtp(at, up + SETTLE_MS, up + 3500);
      assertMusic(music, 3, "1001 calling 700", [A.hz, 440]);
      // After the 4 s the Playback tone follows: MusicOnHold returned.
      const after = decodeRtp(at, up + 4800, up + 6000);
      assertTone(analyseTone(after, 1000, { minSeconds: 0.8 }), "1001 after MusicOnHold(,4)", 1000);
    } finally {
      if (at.length === 0) await cap.stop().catch(() => undefined);
      await a.stop();
    }
  });
});
