/**
 * Calls with audio between real softphones (baresip) through Switchboard: each phone plays its
 * own tone and records what it hears; the test checks the received frequency in both
 * directions, and for how long it lasted (most of the call, not a loud second), in PCMU and in
 * PCMA, and the echo and playback extensions.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, makeSilenceWav, checkTone, assertTone } from "../helpers/audio.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };
/** A-law phones: their endpoints allow only alaw, so the call cannot fall back to PCMU. */
const C = { id: "1003", password: randomPassword() };
const D = { id: "1004", password: randomPassword() };
/** Seconds of the caller's tone file; baresip hangs up when it ends, so it is the call's length. */
const CALL_SECONDS = 6;
/** What each side must hear without a break: the call minus set-up and jitter-buffer slack. */
const HEARD_SECONDS = CALL_SECONDS - 2;

function extensions(promptWav: string): string {
  return `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
exten => 600,1,Answer()
 same => n,Echo()
exten => 601,1,Answer()
 same => n,Playback(tone:1000)
 same => n,Hangup()
exten => 602,1,Answer()
 same => n,Playback(${promptWav.replace(/\.wav$/, "")})
 same => n,Hangup()
`;
}

describe("calls with audio (baresip ↔ Switchboard ↔ baresip)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("calls-audio");
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: CALL_SECONDS });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });
  const prompt600 = makeToneWav(join(dir, "prompt600.wav"), { frequency: 600, seconds: 3 });
  const silence = makeSilenceWav(join(dir, "silence.wav"), 20);

  before(async () => {
    port = await freePort(SERVER_IP);
    const common = { context: "internal", maxContacts: 1, removeExisting: true };
    const nat = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" };
    const endpoints = [
      ...[A, B].map((e) => ({ ...e, ...common, endpointOptions: { ...nat, disallow: "all", allow: "ulaw" } })),
      ...[C, D].map((e) => ({ ...e, ...common, allow: ["alaw"], endpointOptions: nat })),
    ];
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": extensions(prompt600),
        "rtp.conf": "[general]\nrtpstart=31000\nrtpend=31999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(ep: { id: string; password: string }, ip: string, source: string, rtpPorts: string, answer: boolean, codec: "pcmu" | "pcma" = "pcmu"): Promise<Baresip> {
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};audio_codecs=${codec};regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered`);
    return p;
  }

  /**
   * One call from `from` to `to`: the caller plays 1000 Hz for CALL_SECONDS, the callee 440 Hz;
   * each must hear the other's tone for HEARD_SECONDS without a break, and the call must end
   * with every channel and RTP port released.
   */
  async function toneCallBothWays(from: { id: string; password: string }, to: { id: string; password: string }, codec: "pcmu" | "pcma", calleeCodec = codec, during?: () => Promise<void>): Promise<{ caller: string; callee: string }> {
    const caller = await phone(from, "127.0.0.2", tone1000, "20200-20299", false, codec);
    const callee = await phone(to, "127.0.0.3", tone440, "20300-20399", true, calleeCodec);
    try {
      await caller.command(`dial sip:${to.id}@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await during?.();
      // The caller's WAV lasts CALL_SECONDS; baresip hangs up at its end.
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: HEARD_SECONDS }), `${to.id} (callee)`, 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: HEARD_SECONDS }), `${from.id} (caller)`, 440);
      const res = await waitUntil(async () => {
        const out = (await pbx.rx("core show resources")).stdout;
        return /Channels:\s+0/.test(out) && /RTP ports in use:\s+0/.test(out) ? out : undefined;
      }, 10000, "all channels and RTP ports released");
      assert.match(res, /Calls:\s+0/);
      return { caller: caller.log(), callee: callee.log() };
    } finally {
      await caller.stop();
      await callee.stop();
    }
  }

  it("1001 calls 1002 (PCMU): each hears the other's tone (1000 Hz one way, 440 Hz the other) for most of the call", async () => {
    const logs = await toneCallBothWays(A, B, "pcmu");
    assert.match(logs.caller, /Set audio encoder: PCMU 8000Hz/);
    assert.match(logs.callee, /Set audio encoder: PCMU 8000Hz/);
  });

  it("1003 calls 1004 (PCMA only, allow=alaw): each hears the other's tone for most of the call", async () => {
    const logs = await toneCallBothWays(C, D, "pcma");
    // Both phones encode A-law: the offer and the answer Switchboard relayed carried PCMA only.
    assert.match(logs.caller, /Set audio encoder: PCMA 8000Hz/, logs.caller.slice(-2000));
    assert.match(logs.callee, /Set audio encoder: PCMA 8000Hz/, logs.callee.slice(-2000));
    assert.doesNotMatch(logs.caller + logs.callee, /Set audio encoder: PCMU/);
  });

  it("1001 (PCMU only) calls 1003 (PCMA only): no shared codec, so the PBX transcodes, and each hears the other's tone", async () => {
    let channels = "";
    const logs = await toneCallBothWays(A, C, "pcmu", "pcma", async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const names = (await pbx.rx("core show channels concise")).stdout.split("\n").map((l) => l.split("!")[0] ?? "").filter((n) => n.startsWith("PJSIP/"));
      assert.equal(names.length, 2, "two channels");
      for (const n of names) channels += (await pbx.rx(`core show channel ${n}`)).stdout;
    });
    assert.match(logs.caller, /Set audio encoder: PCMU 8000Hz/);
    assert.match(logs.callee, /Set audio encoder: PCMA 8000Hz/);
    assert.doesNotMatch(logs.caller, /Set audio encoder: PCMA/, "the caller was never asked for A-law");
    assert.match(channels, /Transcoded: yes, ulaw to alaw for the peer \([1-9]\d* packets decoded, [1-9]\d* encoded\)/, channels);
    assert.match(channels, /Transcoded: yes, alaw to ulaw for the peer \([1-9]\d* packets decoded, [1-9]\d* encoded\)/, channels);
  });

  it("600 (Echo) returns the caller's own tone", async () => {
    const caller = await phone(A, "127.0.0.2", tone1000, "20200-20299", false);
    try {
      await caller.command(`dial sip:600@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heard = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard);
      // Echo returns the caller's whole tone, not only its first second.
      assertTone(checkTone(heard, 1000, { minSeconds: HEARD_SECONDS }), "caller of 600 (Echo)", 1000);
    } finally {
      await caller.stop();
    }
  });

  it("Playback of a built-in tone (601) and of a WAV file (602) is heard by the caller", async () => {
    // tone:1000 lasts 5 s, the prompt WAV 3 s; each must be heard for most of its length.
    for (const [exten, hz, seconds] of [["601", 1000, 3.5], ["602", 600, 2]] as const) {
      const caller = await phone(A, "127.0.0.2", silence, "20200-20299", false);
      try {
        await caller.command(`dial sip:${exten}@${SERVER_IP}:${port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        // The dialplan hangs up after the playback.
        await caller.waitEvent("CALL_CLOSED", 20000);
        await new Promise((r) => setTimeout(r, 500));
        const heard = caller.recordings().find((f) => f.endsWith("-dec.wav"));
        assert.ok(heard, `no recording for ${exten}`);
        assertTone(checkTone(heard, hz, { minSeconds: seconds }), `caller of ${exten}`, hz);
      } finally {
        await caller.stop();
      }
    }
  });
});
