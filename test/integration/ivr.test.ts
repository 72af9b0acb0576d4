/**
 * Menus with a real phone: baresip calls a Background/WaitExten menu and presses keys (RFC 4733);
 * which branch ran is told by what it hears, each branch playing its own tone: 1 → 440 Hz, a
 * Read of 427 → 523 Hz, an extension that does not exist → `i` (660 Hz), no key → `t` (770 Hz).
 * Record() takes the phone's own 1000 Hz tone until `#`, and Playback of ${RECORDED_FILE} plays
 * it back to the phone.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const CALLER = { id: "1001", password: randomPassword(), ip: "127.0.0.2" };

describe("IVR with baresip: Background, WaitExten, Read, i and t, Record", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("ivr");
  const t = (hz: number): string => makeToneWav(join(dir, `t${hz}.wav`), { frequency: hz, seconds: 3 }).replace(/\.wav$/, "");
  const voice = makeToneWav(join(dir, "caller.wav"), { frequency: 1000, seconds: 60 });

  before(async () => {
    port = await freePort(SERVER_IP);
    const rtp = await allocatePortBlock("0.0.0.0", 20);
    const extensions = `[internal]
exten => 700,1,Answer()
 same => n,Background(vm-login)
 same => n,WaitExten(3)
exten => 1,1,Playback(${t(440)})
 same => n,Hangup()
exten => 2,1,Read(NUM,beep,3)
 same => n,GotoIf($["\${NUM}" = "427"]?ok)
 same => n,Playback(${t(880)})
 same => n,Hangup()
 same => n(ok),Playback(${t(523)})
 same => n,Hangup()
exten => 3,1,Record(${join(dir, "rec%d.wav")},0,20)
 same => n,NoOp(status=\${RECORD_STATUS})
 same => n,Playback(\${RECORDED_FILE})
 same => n,Hangup()
exten => i,1,Playback(${t(660)})
 same => n,Hangup()
exten => t,1,Playback(${t(770)})
 same => n,Hangup()
exten => 800,1,Answer()
 same => n,Playback(vm-login)
 same => n,Playback(letters/underscore)
 same => n,Hangup()
`;
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [{ id: CALLER.id, password: CALLER.password, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", dtmf_mode: "rfc4733" } }] }),
        "extensions.conf": extensions,
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 19}\n`,
        // Debian's asterisk-core-sounds-en-wav (installed by the test command) before the shipped prompts.
        "asterisk.conf": "[directories]\nastdatadir => /usr/share/asterisk\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  /** Calls `exten` (700), presses `keys` (a number is a pause in ms), and returns what arrived and when the last key went. */
  async function call(keys: ReadonlyArray<string | number>, listenMs: number, exten = "700"): Promise<{ heard: CapturedDatagram[]; lastKeyAt: number }> {
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const b: Baresip = await startBaresip({
      ip: CALLER.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: voice,
      maxSeconds: 60,
      accounts: [`<sip:${CALLER.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${CALLER.password};audio_codecs=PCMU;regint=600`],
    });
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpBase}-${rtpBase + 19}`, `ivr-${Date.now()}`);
    let lastKeyAt = 0;
    try {
      await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, "registered");
      await b.command(`dial sip:${exten}@${SERVER_IP}:${port}`);
      await b.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);
      for (const k of keys) {
        if (typeof k === "number") await sleep(k);
        else {
          await b.command(`sndcode ${k}`);
          lastKeyAt = Date.now();
          await sleep(300);
        }
      }
      await sleep(listenMs);
    } finally {
      await b.stop();
    }
    return { heard: await cap.stop(), lastKeyAt };
  }

  function assertHeard(heard: CapturedDatagram[], from: number, hz: number, what: string): void {
    assertTone(analyseTone(decodeRtp(heard, from, from + 4000), hz, { minSeconds: 1.5 }), what, hz);
  }

  it("1 during the Background prompt runs extension 1 (440 Hz)", async () => {
    const { heard, lastKeyAt } = await call(["1"], 3500);
    assertHeard(heard, lastKeyAt, 440, "after pressing 1");
  });

  it("2 then 4 2 7 into Read(NUM,beep,3) takes the ok branch (523 Hz, not 880 Hz)", async () => {
    const { heard, lastKeyAt } = await call(["2", 1200, "4", "2", "7"], 3500);
    assertHeard(heard, lastKeyAt, 523, "after entering 427");
  });

  it("9, an extension that does not exist, goes to i (660 Hz); no key at all goes to t after WaitExten(3) (770 Hz)", async () => {
    const bad = await call(["9"], 3500);
    assertHeard(bad.heard, bad.lastKeyAt, 660, "after pressing 9");
    const none = await call([], 9000);
    const start = Date.now() - 9000;
    assertTone(analyseTone(decodeRtp(none.heard, start, start + 9000), 770, { minSeconds: 1.5 }), "after waiting without a key", 770);
  });

  it("with astdatadir pointing at Debian's asterisk-core-sounds-en-wav, its prompts are played (en_US_f_Allison serves en); a name it lacks comes from the shipped set", async () => {
    const { heard } = await call([], 6000, "800");
    const played = pbx.messagesLog().split("\n").filter((l) => /file\.c: <PJSIP\/1001-[0-9a-f]+> Playing '/.test(l));
    assert.ok(played.some((l) => l.includes("Playing '/usr/share/asterisk/sounds/en_US_f_Allison/vm-login.wav' (language 'en')")), played.join("\n"));
    assert.ok(played.some((l) => /Playing '.*\/sounds\/en\/letters\/underscore\.wav' \(language 'en'\)/.test(l) && !l.includes("/usr/share/asterisk")), played.join("\n"));
    const start = heard[0]?.at ?? 0;
    assert.ok(activeSeconds(decodeRtp(heard, start, start + 6000)) > 1.5, "the phone hears the prompts");
  });

  it("Record() takes the phone's 1000 Hz until #, RECORD_STATUS is DTMF, and Playback of RECORDED_FILE plays it back", async () => {
    const { heard, lastKeyAt } = await call(["3", 3500, "#"], 4000);
    await pbx.waitForLog(/NoOp\("PJSIP\/1001-[0-9a-f]+", "status=DTMF"\)/, 5000);
    const rec = readWav(join(dir, "rec0.wav"));
    assertTone(analyseTone(rec, 1000, { minSeconds: 2.5 }), "the recording", 1000);
    assert.ok(rec.samples.length / 8000 < 4.5, `the recording ends at # (${rec.samples.length / 8000} s)`);
    assertHeard(heard, lastKeyAt, 1000, "the recording played back");
  });
});
