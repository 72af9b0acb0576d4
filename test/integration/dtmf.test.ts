/**
 * DTMF between real phones (baresip) through Switchboard in every dtmf_mode: an RFC 4733 phone's
 * keys reach a phone on dtmf_mode=info as SIP INFO and one on dtmf_mode=inband as the keys' tones
 * (found in its recording by the test's own Goertzel filter); an inband phone's keys (tones in its
 * audio) reach an RFC 4733 phone as events; SendDTMF() reaches the caller.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const PHONES = {
  rfc: { id: "3001", password: randomPassword(), mode: "rfc4733" },
  info: { id: "3002", password: randomPassword(), mode: "info" },
  inband: { id: "3003", password: randomPassword(), mode: "inband" },
  rfc2: { id: "3004", password: randomPassword(), mode: "rfc4733" },
} as const;
type Phone = keyof typeof PHONES;

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYS = "123A456B789C*0#D";

/** The keys heard in 8 kHz audio: Goertzel energy at the eight frequencies over 40 ms windows. */
function keysIn(samples: Int16Array, rate: number): string {
  const n = Math.round(rate * 0.04);
  const power = (from: number, hz: number): number => {
    const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < from + n; i++) {
      const s = (samples[i] ?? 0) + k * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    return s1 * s1 + s2 * s2 - k * s1 * s2;
  };
  let out = "";
  let last = "";
  for (let at = 0; at + n <= samples.length; at += n) {
    let total = 0;
    for (let i = at; i < at + n; i++) total += (samples[i] ?? 0) ** 2;
    const r = ROWS.map((f) => power(at, f));
    const c = COLS.map((f) => power(at, f));
    const ri = r.indexOf(Math.max(...r));
    const ci = c.indexOf(Math.max(...c));
    const share = ((r[ri] ?? 0) + (c[ci] ?? 0)) * 2 / (n * Math.max(total, 1));
    const key = total / n > 2000 && share > 0.6 ? (KEYS[ri * 4 + ci] ?? "") : "";
    if (key !== "" && key !== last) out += key;
    last = key;
  }
  return out;
}

describe("DTMF across dtmf_mode rfc4733, info and inband (baresip ↔ Switchboard ↔ baresip)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("dtmf");
  const quiet = makeToneWav(join(dir, "quiet.wav"), { frequency: 300, seconds: 30, volume: 0.05 });

  before(async () => {
    port = await freePort(SERVER_IP);
    const endpoints = (Object.keys(PHONES) as Phone[]).map((p) => ({
      id: PHONES[p].id,
      password: PHONES[p].password,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", dtmf_mode: PHONES[p].mode },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": "[internal]\nexten => _300X,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\nexten => 3100,1,Answer()\n same => n,Wait(1)\n same => n,SendDTMF(159#,200)\n same => n,Wait(3)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=33000\nrtpend=33999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: Phone, ip: string, source: string, rtpPorts: string, answer: boolean): Promise<Baresip> {
    const ep = PHONES[p];
    const b = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${ep.id} registered`);
    return b;
  }

  const digitsOf = (b: Baresip): string =>
    b.ctrl.events
      .filter((e) => e.type === "CALL_DTMF_START")
      .map((e) => String(e.param ?? ""))
      .join("");

  /** `from` calls `to`, presses `keys` (RFC 4733, baresip's sndcode) once the call is up, then hangs up. */
  async function pressKeys(from: Baresip, to: Phone, keys: string): Promise<void> {
    await from.command(`dial sip:${PHONES[to].id}@${SERVER_IP}:${port}`);
    await from.waitEvent("CALL_ESTABLISHED", 10000);
    await sleep(1000);
    for (const k of keys) {
      await from.command(`sndcode ${k}`);
      await sleep(400);
    }
    await sleep(1000);
    await from.command("hangup");
    await from.waitEvent("CALL_CLOSED", 10000);
  }

  it("an RFC 4733 phone's keys reach a dtmf_mode=info phone as SIP INFO", async () => {
    const a = await phone("rfc", "127.0.0.2", quiet, "20600-20699", false);
    const b = await phone("info", "127.0.0.3", quiet, "20700-20799", true);
    try {
      await pbx.rx("pjsip set logger on");
      await pressKeys(a, "info", "5*9");
      await waitUntil(async () => (digitsOf(b).length >= 3 ? true : undefined), 5000, `digits at the info phone (got '${digitsOf(b)}')`);
      assert.equal(digitsOf(b), "5*9");
      const log = pbx.messagesLog();
      assert.ok(/INFO sip:3002-[^ ]*@127\.0\.0\.3/.test(log), "an INFO went to the phone");
      assert.ok(/Content-Type: application\/dtmf-relay$/m.test(log), "as application/dtmf-relay");
      assert.ok(/: Signal=5$/m.test(log) && /: Duration=\d+$/m.test(log), "with Signal= and Duration= lines");
      assert.doesNotMatch(b.log(), /telephone-event/i, "no telephone-event was offered to the info phone");
    } finally {
      await pbx.rx("pjsip set logger off");
      await a.stop();
      await b.stop();
    }
  });

  it("an RFC 4733 phone's keys reach a dtmf_mode=inband phone as the keys' tones in its audio", async () => {
    const a = await phone("rfc", "127.0.0.2", quiet, "20600-20699", false);
    const b = await phone("inband", "127.0.0.3", quiet, "20700-20799", true);
    try {
      await pressKeys(a, "inband", "7#3");
      await sleep(500);
      const heard = b.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard, "the inband phone recorded");
      const wav = readWav(heard);
      assert.equal(keysIn(wav.samples, wav.sampleRate), "7#3");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("a dtmf_mode=inband phone's keys (tones in its audio) reach an RFC 4733 phone as events", async () => {
    // The inband phone's microphone: quiet, then the keys 2, 8 and D as tones, 150 ms each.
    const keys = join(dir, "keys.wav");
    const parts = [["0.8", "0"], ["0.15", "697 1336"], ["0.3", "0"], ["0.15", "852 1336"], ["0.3", "0"], ["0.15", "941 1633"], ["4", "0"]];
    const mono = (f: string, secs: string, hz: string, vol: string): string => {
      execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", f, "synth", secs, "sine", hz, "vol", vol]);
      return f;
    };
    const files = parts.map(([secs = "0", freqs = "0"], i) => {
      const f = join(dir, `k${i}.wav`);
      if (freqs === "0") return mono(f, secs, "300", "0.02");
      const [f1 = "", f2 = ""] = freqs.split(" ");
      execFileSync("sox", ["-m", mono(join(dir, `k${i}a.wav`), secs, f1, "0.4"), mono(join(dir, `k${i}b.wav`), secs, f2, "0.4"), f]);
      return f;
    });
    execFileSync("sox", [...files, "-c", "1", keys]);
    const a = await phone("inband", "127.0.0.2", keys, "20600-20699", false);
    const b = await phone("rfc2", "127.0.0.3", quiet, "20700-20799", true);
    try {
      await a.command(`dial sip:${PHONES.rfc2.id}@${SERVER_IP}:${port}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(async () => (digitsOf(b).length >= 3 ? true : undefined), 10000, `digits at the RFC 4733 phone (got '${digitsOf(b)}') ${pbx.diagnostics().slice(-3000)}`);
      assert.equal(digitsOf(b), "28D");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("SendDTMF(159#,200) reaches the caller as RFC 4733 events", async () => {
    const a = await phone("rfc", "127.0.0.2", quiet, "20600-20699", false);
    try {
      await a.command(`dial sip:3100@${SERVER_IP}:${port}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(async () => (digitsOf(a).length >= 4 ? true : undefined), 8000, `digits at the caller (got '${digitsOf(a)}')`);
      assert.equal(digitsOf(a), "159#");
    } finally {
      await a.stop();
    }
  });
});
