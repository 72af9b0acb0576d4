/**
 * Calls with audio between real softphones (baresip) through Switchboard: each phone plays its
 * own tone and records what it hears; the test checks the received frequency in both
 * directions, and the echo extension.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, makeSilenceWav, checkTone } from "../helpers/audio.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };

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
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 6 });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });
  const prompt600 = makeToneWav(join(dir, "prompt600.wav"), { frequency: 600, seconds: 3 });
  const silence = makeSilenceWav(join(dir, "silence.wav"), 20);

  before(async () => {
    port = await freePort(SERVER_IP);
    const endpoints = [A, B].map((e) => ({
      ...e,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", disallow: "all", allow: "ulaw" },
    }));
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

  async function phone(ep: { id: string; password: string }, ip: string, source: string, rtpPorts: string, answer: boolean): Promise<Baresip> {
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered`);
    return p;
  }

  it("1001 calls 1002: each hears the other's tone (1000 Hz one way, 440 Hz the other)", async () => {
    const caller = await phone(A, "127.0.0.2", tone1000, "20200-20299", false);
    const callee = await phone(B, "127.0.0.3", tone440, "20300-20399", true);
    try {
      await caller.command(`dial sip:${B.id}@${SERVER_IP}:${port}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      // The caller's WAV lasts 6 s; baresip hangs up at its end.
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      const c1 = checkTone(heardByCallee, 1000);
      const c2 = checkTone(heardByCaller, 440);
      assert.ok(c1.ok, `callee heard ${JSON.stringify(c1)}`);
      assert.ok(c2.ok, `caller heard ${JSON.stringify(c2)}`);
      assert.ok(c1.activeSeconds > 3 && c2.activeSeconds > 3, `active ${c1.activeSeconds} / ${c2.activeSeconds}`);
      const res = await waitUntil(async () => {
        const out = (await pbx.rx("core show resources")).stdout;
        return /Channels:\s+0/.test(out) && /RTP ports in use:\s+0/.test(out) ? out : undefined;
      }, 10000, "all channels and RTP ports released");
      assert.match(res, /Calls:\s+0/);
    } finally {
      await caller.stop();
      await callee.stop();
    }
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
      const c = checkTone(heard, 1000);
      assert.ok(c.ok, `caller heard ${JSON.stringify(c)}`);
    } finally {
      await caller.stop();
    }
  });

  it("Playback of a built-in tone (601) and of a WAV file (602) is heard by the caller", async () => {
    for (const [exten, hz] of [["601", 1000], ["602", 600]] as const) {
      const caller = await phone(A, "127.0.0.2", silence, "20200-20299", false);
      try {
        await caller.command(`dial sip:${exten}@${SERVER_IP}:${port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        // The dialplan hangs up after the playback.
        await caller.waitEvent("CALL_CLOSED", 20000);
        await new Promise((r) => setTimeout(r, 500));
        const heard = caller.recordings().find((f) => f.endsWith("-dec.wav"));
        assert.ok(heard, `no recording for ${exten}`);
        const c = checkTone(heard, hz);
        assert.ok(c.ok, `${exten}: caller heard ${JSON.stringify(c)}`);
      } finally {
        await caller.stop();
      }
    }
  });
});
