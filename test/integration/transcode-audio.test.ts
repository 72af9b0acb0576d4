/**
 * Transcoding between real softphones (baresip) that share no codec: a G.722 phone, a PCMU phone
 * and a PCMA phone, each endpoint allowing only its own codec. Switchboard decodes, resamples
 * (16 kHz ↔ 8 kHz) and encodes in its media workers; each phone plays its own tone and records
 * what it hears, and the test checks the frequency and that it lasted most of the call, both ways.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, checkTone, assertTone } from "../helpers/audio.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
type Codec = "g722" | "pcmu" | "pcma" | "opus";
const ALLOW: Record<Codec, string> = { g722: "g722", pcmu: "ulaw", pcma: "alaw", opus: "opus" };
/** baresip's names in audio_codecs=, its module, and the WAV its aufile source must be (rate, channels). */
const BARESIP: Record<Codec, { name: string; module?: string; rate: number; channels: number }> = {
  g722: { name: "G722", module: "g722.so", rate: 16000, channels: 1 },
  pcmu: { name: "PCMU", rate: 8000, channels: 1 },
  pcma: { name: "PCMA", rate: 8000, channels: 1 },
  opus: { name: "opus", module: "opus.so", rate: 48000, channels: 2 },
};
const PHONES: Record<Codec, { id: string; password: string }> = {
  g722: { id: "2001", password: randomPassword() },
  pcmu: { id: "2002", password: randomPassword() },
  pcma: { id: "2003", password: randomPassword() },
  opus: { id: "2004", password: randomPassword() },
};
const CALL_SECONDS = 6;
const HEARD_SECONDS = CALL_SECONDS - 2;

describe("transcoded calls (baresip Opus, G.722, G.711 ↔ Switchboard ↔ baresip)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("transcode-audio");

  before(async () => {
    port = await freePort(SERVER_IP);
    const endpoints = (Object.keys(PHONES) as Codec[]).map((c) => ({
      ...PHONES[c],
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      allow: [ALLOW[c]],
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": "[internal]\nexten => _200X,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\nexten => 2100,1,Answer()\n same => n,Playback(tone:1000)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=32000\nrtpend=32999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(codec: Codec, ip: string, hz: number, seconds: number, rtpPorts: string, answer: boolean): Promise<Baresip> {
    const ep = PHONES[codec];
    const b = BARESIP[codec];
    const source = makeToneWav(join(dir, `${codec}-${hz}-${ip}.wav`), { frequency: hz, seconds, rate: b.rate, channels: b.channels });
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      modules: b.module !== undefined ? [b.module] : [],
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};audio_codecs=${b.name};regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered`);
    return p;
  }

  /** `from` calls `to`: the caller plays 1000 Hz, the callee 440 Hz; each must hear the other's. */
  async function call(from: Codec, to: Codec): Promise<{ caller: string; callee: string; channels: string }> {
    const caller = await phone(from, "127.0.0.2", 1000, CALL_SECONDS, "20400-20499", false);
    const callee = await phone(to, "127.0.0.3", 440, 30, "20500-20599", true);
    let channels = "";
    try {
      await caller.command(`dial sip:${PHONES[to].id}@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await new Promise((r) => setTimeout(r, 1500));
      const names = (await pbx.rx("core show channels concise")).stdout.split("\n").map((l) => l.split("!")[0] ?? "").filter((n) => n.startsWith("PJSIP/"));
      for (const n of names) channels += (await pbx.rx(`core show channel ${n}`)).stdout;
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: HEARD_SECONDS }), `${PHONES[to].id} (${to}, callee)`, 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: HEARD_SECONDS }), `${PHONES[from].id} (${from}, caller)`, 440);
      await waitUntil(async () => {
        const out = (await pbx.rx("core show resources")).stdout;
        return /Channels:\s+0/.test(out) && /RTP ports in use:\s+0/.test(out) ? out : undefined;
      }, 10000, "all channels and RTP ports released");
      return { caller: caller.log(), callee: callee.log(), channels };
    } finally {
      await caller.stop();
      await callee.stop();
    }
  }

  it("a G.722 phone calls a PCMU phone: 16 kHz ↔ 8 kHz transcoded, each hears the other's tone", async () => {
    const r = await call("g722", "pcmu");
    assert.match(r.caller, /Set audio encoder: G722 16000Hz/, r.caller.slice(-1500));
    assert.match(r.callee, /Set audio encoder: PCMU 8000Hz/);
    assert.match(r.channels, /Transcoded: yes, g722 to ulaw for the peer/, r.channels);
    assert.match(r.channels, /Transcoded: yes, ulaw to g722 for the peer/, r.channels);
    await waitUntil(async () => (/share no codec, so Switchboard transcodes g722 from 2001 to ulaw for 2002/.test(pbx.messagesLog()) ? true : undefined), 8000, "the media doctor's words in messages.log");
  });

  it("a PCMA phone calls a G.722 phone: each hears the other's tone", async () => {
    const r = await call("pcma", "g722");
    assert.match(r.caller, /Set audio encoder: PCMA 8000Hz/);
    assert.match(r.callee, /Set audio encoder: G722 16000Hz/, r.callee.slice(-1500));
    assert.match(r.channels, /Transcoded: yes, alaw to g722 for the peer/, r.channels);
  });

  it("an Opus phone calls a PCMU phone: 48 kHz Opus ↔ G.711, each hears the other's tone", async () => {
    const r = await call("opus", "pcmu");
    assert.match(r.caller, /Set audio encoder: opus 48000Hz/, r.caller.slice(-1500));
    assert.match(r.channels, /Transcoded: yes, opus to ulaw for the peer/, r.channels);
    assert.match(r.channels, /Transcoded: yes, ulaw to opus for the peer/, r.channels);
  });

  it("a G.722 phone calls an Opus phone: each hears the other's tone", async () => {
    const r = await call("g722", "opus");
    assert.match(r.callee, /Set audio encoder: opus 48000Hz/, r.callee.slice(-1500));
    assert.match(r.channels, /Transcoded: yes, g722 to opus for the peer/, r.channels);
  });

  it("Playback of a built-in tone to a G.722 phone and to an Opus phone is encoded in their codec and heard", async () => {
    for (const codec of ["g722", "opus"] as const) {
      const caller = await phone(codec, "127.0.0.2", 440, 20, "20400-20499", false);
      try {
        await caller.command(`dial sip:2100@${SERVER_IP}:${port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        await caller.waitEvent("CALL_CLOSED", 20000);
        await new Promise((r) => setTimeout(r, 500));
        const heard = caller.recordings().find((f) => f.endsWith("-dec.wav"));
        assert.ok(heard, `no recording for ${codec}`);
        assertTone(checkTone(heard, 1000, { minSeconds: 3.5 }), `${codec} caller of 2100`, 1000);
      } finally {
        await caller.stop();
      }
    }
  });

  it("core show codecs says what is transcoded here and what is not; core show translation measures each pair", async () => {
    const codecs = (await pbx.rx("core show codecs audio")).stdout;
    assert.match(codecs, /^ +\d+ g722 +audio +G722 \(16000 Hz\): transcoded and played here$/m);
    assert.match(codecs, /^ +\d+ g729 +audio +G\.729A \(8000 Hz\): not available here/m);
    assert.doesNotMatch(codecs, / video /, "only audio rows");
    const t = (await pbx.rx("core show translation")).stdout;
    assert.match(t, /Translation times between formats \(in microseconds\) for one second of data/);
    const head = t.split("\n").find((l) => /^ +ulaw +alaw +g722 +opus/.test(l));
    assert.ok(head, t);
    const row = t.split("\n").find((l) => /^ +g722 /.test(l));
    const cells = row?.trim().split(/ +/) ?? [];
    assert.equal(cells.length, 9, row);
    assert.equal(cells[3], "-", "no translation from g722 to itself");
    assert.ok(Number(cells[1]) > 0 && Number(cells[1]) < 1_000_000, `g722 → ulaw costs ${cells[1]} µs per second`);
    const recalc = (await pbx.rx("core show translation recalc 2")).stdout;
    assert.match(recalc, /Recalculating Codec Translation \(number of sample seconds: 2\)/);
    const modules = (await pbx.rx("module show like codec_")).stdout;
    assert.match(modules, /codec_g722\.so/);
    assert.match(modules, /codec_opus\.so/);
  });
});
