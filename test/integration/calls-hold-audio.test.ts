/**
 * Hold and unhold checked by audio, not only by signalling: two baresip phones in a call through
 * Switchboard, one plays 1000 Hz and the other 440 Hz; one of them holds (`hold` on ctrl_tcp, a
 * re-INVITE with a=sendonly) and later resumes (a=sendrecv). What arrives at each phone's RTP
 * port is captured with arrival times and cut into three windows: before the hold both tones
 * flow, during it neither phone receives the other's tone, after the resume both flow again.
 *
 * Switchboard answers a sendonly hold with recvonly and does not pass the re-INVITE on
 * (docs/calls.md "Hold"), so the held phone hears music on hold instead of the holder (the music
 * itself is checked in moh.test.ts); and since the holding phone asked the other side to stop
 * sending (RFC 3264 §8.4), the held phone's audio must not reach it either. The wire is read instead of baresip's recordings because
 * baresip 1.0 stops recording after a hold and resume, and because a recording leaves out the
 * time in which nothing arrived (PEERS.md, "Gotchas").
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, analyseTone, assertTone, makeToneWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword(), ip: "127.0.0.2", hz: 1000 };
const B = { id: "1002", password: randomPassword(), ip: "127.0.0.3", hz: 440 };
type Phone = typeof A;

/** Seconds of each phase; long enough that the margins below leave several seconds to check. */
const TALK_MS = 3500;
const HOLD_MS = 4000;
/** Left out at the start of a window: the re-INVITE's effect and packets in flight settle. */
const SETTLE_MS = 500;

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
`;

interface Window {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

describe("hold and unhold heard on the wire (baresip ↔ Switchboard ↔ baresip)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("calls-hold-audio");
  // Longer than any call here: the tone files must not end the call.
  const tones = new Map([A, B].map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));

  before(async () => {
    port = await freePort(SERVER_IP);
    const rtp = await allocatePortBlock("0.0.0.0", 40);
    const endpoints = [A, B].map((e) => ({
      id: e.id,
      password: e.password,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 39}\n`,
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

  /** The time Switchboard has logged `re` for a channel of `p` (polling messages.log). */
  async function logged(p: Phone, what: "put on hold" | "taken off hold"): Promise<number> {
    await pbx.waitForLog(new RegExp(`PJSIP/${p.id}-[0-9a-f]+: ${what}`), 10000);
    return Date.now();
  }

  /**
   * 1001 calls 1002; `holder` holds for HOLD_MS and resumes. Returns what arrived at each phone
   * and the three windows, each shortened by SETTLE_MS at its start.
   */
  async function holdCall(holder: Phone): Promise<{ atA: CapturedDatagram[]; atB: CapturedDatagram[]; windows: Window[]; stats: string }> {
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
      // The windows start once the relay sends to both phones: on a loaded machine a phone's
      // audio may start a moment after the call is up (a phone that never sends fails here).
      const atUp = await waitUntil(async () => {
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
      await sleep(HOLD_MS);
      const resumeAt = Date.now();
      assert.equal((await h.command("resume")).ok, true, "baresip accepted resume");
      const resumed = await logged(holder, "taken off hold");
      await sleep(TALK_MS);
      const end = Date.now();
      // Where the relay sent and what it latched onto, for a failure message (a phone that
      // received nothing: was it sent elsewhere, or not sent at all?).
      const atEnd = (await pbx.rx("pjsip show channelstats")).stdout;
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      const atA = await capA.stop();
      const atB = await capB.stop();
      stopped = true;
      return {
        atA,
        atB,
        stats: `phones' RTP port ranges: ${A.id} ${rtpA}-${rtpA + 19}, ${B.id} ${rtpB}-${rtpB + 19}\nchannelstats when both were sent to:${atUp}channelstats before the hangup:${atEnd}`,
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

  /** `listener` receives `speaker`'s tone for all but half a second of the window. */
  function assertHears(at: CapturedDatagram[], w: Window, listener: Phone, speaker: Phone, stats: string): void {
    const d = decodeRtp(at, w.from, w.to);
    const seconds = (w.to - w.from) / 1000;
    const c = analyseTone(d, speaker.hz, { minSeconds: seconds - 0.5 });
    // The whole capture's extent goes into the message, to tell a missed capture from missing audio.
    const ports = [...new Set(at.map((x) => `${x.srcPort}→${x.dstPort}`))].join(", ");
    const span = at.length === 0 ? "the capture at this phone is empty" : `the capture holds ${at.length} datagrams (ports ${ports}) from ${at[0]!.at - w.from} to ${at[at.length - 1]!.at - w.from} ms after the window's start`;
    try {
      assertTone(c, `${listener.id} ${w.name} (${d.packets} packets in ${seconds.toFixed(1)} s; ${span})`, speaker.hz);
    } catch (err) {
      (err as Error).message += `\n${stats}`;
      throw err;
    }
  }

  /**
   * Nothing of `speaker` reaches `listener` in the window; with `silence`, nothing audible at all
   * (without it, music on hold may play).
   */
  function assertDoesNotHear(at: CapturedDatagram[], w: Window, listener: Phone, speaker: Phone, silence: boolean): void {
    const d = decodeRtp(at, w.from, w.to);
    const c = analyseTone(d, speaker.hz);
    const active = activeSeconds(d);
    assert.ok(
      c.totalToneSeconds === 0 && (!silence || active < 0.1),
      `${listener.id} ${w.name}: received ${d.packets} packets (payload types ${d.payloadTypes.join(",") || "none"}) with ${c.totalToneSeconds} s of ${speaker.hz} Hz and ${active} s above silence; timeline: ${c.timeline}`,
    );
  }

  for (const [holder, other] of [[A, B], [B, A]] as const) {
    const role = holder === A ? "caller" : "callee";
    it(`${holder.id} (${role}) holds and resumes: audio both ways before, neither hears the other during the hold, audio both ways after`, async () => {
      const { atA, atB, windows, stats } = await holdCall(holder);
      const [pre, hold, post] = windows as [Window, Window, Window];
      const at = (p: Phone): CapturedDatagram[] => (p === A ? atA : atB);
      for (const w of [pre, post]) {
        assertHears(at(other), w, other, holder, stats);
        assertHears(at(holder), w, holder, other, stats);
      }
      // The held phone hears music on hold, not the holder; the holding phone, which asked for
      // the other side to stop sending (a=sendonly), gets nothing at all.
      assertDoesNotHear(at(other), hold, other, holder, false);
      assertDoesNotHear(at(holder), hold, holder, other, true);
      await waitUntil(async () => /Channels:\s+0/.test((await pbx.rx("core show resources")).stdout), 10000, "channels released");
    });
  }
});
