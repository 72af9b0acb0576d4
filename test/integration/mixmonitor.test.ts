/**
 * MixMonitor from a running Switchboard: two baresip phones play different tones (the caller
 * 440 Hz, the callee 1000 Hz). The caller's dialplan starts MixMonitor, then Dial() bridges the
 * call; after the hangup the WAV in `<astspooldir>/monitor/` is complete (its header sizes match
 * the file) and holds both tones for the length of the call. With r() and t() the two files hold
 * one direction each: what the caller said, and what it heard.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { goertzelPower, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { RawAmi } from "../helpers/ami-raw.js";

const SERVER_IP = "127.0.0.1";
const ADMIN = { user: "recorder", secret: randomPassword() };
const PHONES = { a: { id: "4201", password: randomPassword() }, b: { id: "4202", password: randomPassword() } };

/** Mean Goertzel power per sample of `hz` over the middle of the recording (ringing and hangup cut off). */
function powerOf(samples: Int16Array, rate: number, hz: number): number {
  const from = Math.floor(samples.length * 0.25);
  const len = Math.floor(samples.length * 0.5);
  return goertzelPower(samples, rate, hz, from, len) / Math.max(1, len);
}

/** A WAV whose RIFF and data sizes agree with the file's length. */
function assertCompleteWav(path: string): void {
  const buf = readFileSync(path);
  const size = statSync(path).size;
  assert.equal(buf.toString("latin1", 0, 4), "RIFF");
  assert.equal(buf.readUInt32LE(4), size - 8, `${path}: RIFF size`);
  assert.equal(buf.toString("latin1", 36, 40), "data");
  assert.equal(buf.readUInt32LE(40), size - 44, `${path}: data size`);
  assert.equal(buf.readUInt32LE(24), 8000, "8 kHz");
}

describe("MixMonitor (integration: baresip call recorded mixed, and per direction)", () => {
  let pbx: Pbx;
  let sipPort: number;
  let amiPort: number;
  const dir = scratchDir("mixmonitor");
  const spool = join(dir, "spool");
  const monitor = join(spool, "monitor");
  const tone440 = makeToneWav(join(dir, "tone440.wav"), { frequency: 440, seconds: 30 });
  const tone1000 = makeToneWav(join(dir, "tone1000.wav"), { frequency: 1000, seconds: 30 });

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    amiPort = await freePort(SERVER_IP);
    const endpoints = Object.values(PHONES).map((p) => ({
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
        "asterisk.conf": `[directories]\nastspooldir => ${spool}\n`,
        "extensions.conf": [
          "[office]",
          "exten => 4202,1,MixMonitor(${UNIQUEID}.wav)",
          " same => n,Dial(PJSIP/4202,20)",
          " same => n,Hangup()",
          // The same callee, recorded per direction only: r() what the caller says, t() what it hears.
          "exten => 5202,1,MixMonitor(,r(dirs/rx-${UNIQUEID}.wav)t(dirs/tx-${UNIQUEID}.wav))",
          " same => n,Dial(PJSIP/4202,20)",
          " same => n,Hangup()",
          // Option b: the two seconds before the bridge are not recorded.
          "exten => 6202,1,MixMonitor(bridged/${UNIQUEID}.wav,b)",
          " same => n,Answer()",
          " same => n,Wait(2)",
          " same => n,Dial(PJSIP/4202,20)",
          " same => n,Hangup()",
          // StopMixMonitor after two seconds: the file ends there, closed, while the call goes on.
          "exten => 7202,1,MixMonitor(stopped/${UNIQUEID}.wav,i(MID))",
          " same => n,Answer()",
          " same => n,Wait(2)",
          " same => n,StopMixMonitor(${MID})",
          " same => n,Wait(20)",
          // No MixMonitor in the dialplan: AMI starts and stops one.
          "exten => 8202,1,Dial(PJSIP/4202,20)",
          "",
        ].join("\n"),
        "rtp.conf": "[general]\nrtpstart=35000\nrtpend=35999\n",
        "manager.conf": `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 127.0.0.1\n\n[${ADMIN.user}]\nsecret = ${ADMIN.secret}\nread = call\nwrite = system,call\n`,
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: keyof typeof PHONES, ip: string, rtp: string, answer: boolean, source: string): Promise<Baresip> {
    const ep = PHONES[p];
    const b = await startBaresip({
      ip,
      rtpPorts: rtp,
      audioSource: source,
      accounts: [`"Phone ${ep.id}" <sip:${ep.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${ep.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 90,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${ep.id} registered`);
    return b;
  }

  /** Calls `exten` from 4201 (440 Hz) to 4202 (1000 Hz), talks for `seconds`, and hangs up. */
  async function call(exten: string, seconds: number, bridged = true, during?: () => Promise<void>): Promise<void> {
    const a = await phone("a", "127.0.0.2", "23800-23899", false, tone440);
    const b = await phone("b", "127.0.0.3", "23900-23999", true, tone1000);
    try {
      await a.command(`dial sip:${exten}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const t0 = Date.now();
      await during?.();
      await sleep(Math.max(0, seconds * 1000 - (Date.now() - t0)));
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      if (bridged) await b.waitEvent("CALL_CLOSED", 10000);
    } finally {
      await a.stop();
      await b.stop();
    }
    await waitUntil(async () => !/PJSIP\//.test((await pbx.rx("core show channels concise")).stdout), 5000, "the channels gone");
    await sleep(300);
  }

  it("MixMonitor then Dial: the WAV in <astspooldir>/monitor holds both parties' tones and is complete after hangup", async () => {
    await call("4202", 5);
    const files = existsSync(monitor) ? readdirSync(monitor).filter((f) => f.endsWith(".wav")) : [];
    assert.equal(files.length, 1, `one recording in ${monitor}: ${files.join(", ")}`);
    assert.match(files[0]!, /^\d+\.\d+\.wav$/, "named by ${UNIQUEID}");
    const path = join(monitor, files[0]!);
    assertCompleteWav(path);
    const wav = readWav(path);
    const seconds = wav.samples.length / wav.sampleRate;
    assert.ok(seconds >= 4 && seconds <= 8, `the call's length (${seconds.toFixed(2)} s)`);
    const p440 = powerOf(wav.samples, 8000, 440);
    const p1000 = powerOf(wav.samples, 8000, 1000);
    const p700 = powerOf(wav.samples, 8000, 700);
    assert.ok(p440 > 50 * p700, `the caller's 440 Hz is in the mix (440: ${p440.toFixed(0)}, 700: ${p700.toFixed(0)})`);
    assert.ok(p1000 > 50 * p700, `the callee's 1000 Hz is in the mix (1000: ${p1000.toFixed(0)}, 700: ${p700.toFixed(0)})`);
  });

  it("r() and t(): one file per direction, each holding one party's tone only", async () => {
    await call("5202", 4);
    const dirs = join(monitor, "dirs");
    const names = existsSync(dirs) ? readdirSync(dirs) : [];
    const rx = names.find((f) => f.startsWith("rx-"));
    const tx = names.find((f) => f.startsWith("tx-"));
    assert.ok(rx !== undefined && tx !== undefined, `rx- and tx- files in ${dirs}: ${names.join(", ")}`);
    for (const f of [rx, tx]) assertCompleteWav(join(dirs, f));
    const r = readWav(join(dirs, rx)).samples;
    const t = readWav(join(dirs, tx)).samples;
    assert.ok(Math.abs(r.length - t.length) <= 160, `the two directions are in step (${r.length}, ${t.length} samples)`);
    const r440 = powerOf(r, 8000, 440);
    const r1000 = powerOf(r, 8000, 1000);
    const t440 = powerOf(t, 8000, 440);
    const t1000 = powerOf(t, 8000, 1000);
    assert.ok(r440 > 50 * r1000, `r(): the caller's 440 Hz only (440: ${r440.toFixed(0)}, 1000: ${r1000.toFixed(0)})`);
    assert.ok(t1000 > 50 * t440, `t(): the callee's 1000 Hz only (1000: ${t1000.toFixed(0)}, 440: ${t440.toFixed(0)})`);
  });

  it("option b: only the bridged part of the call is recorded", async () => {
    await call("6202", 5);
    const d = join(monitor, "bridged");
    const files = existsSync(d) ? readdirSync(d) : [];
    assert.equal(files.length, 1, files.join(", "));
    const path = join(d, files[0]!);
    assertCompleteWav(path);
    const wav = readWav(path);
    const seconds = wav.samples.length / 8000;
    // The call lasts 5 s after the answer, the last 3 of them bridged.
    assert.ok(seconds >= 2 && seconds <= 4, `the bridged seconds only (${seconds.toFixed(2)} s)`);
    assert.ok(powerOf(wav.samples, 8000, 1000) > 50 * powerOf(wav.samples, 8000, 700), "the callee's tone is in it");
  });

  it("StopMixMonitor(ID) ends the recording while the call goes on; the file is complete at once", async () => {
    await call("7202", 5, false);
    const d = join(monitor, "stopped");
    const files = existsSync(d) ? readdirSync(d) : [];
    assert.equal(files.length, 1, files.join(", "));
    const path = join(d, files[0]!);
    assertCompleteWav(path);
    const wav = readWav(path);
    const seconds = wav.samples.length / 8000;
    assert.ok(seconds >= 1.2 && seconds <= 2.8, `two seconds, not the whole call (${seconds.toFixed(2)} s)`);
    assert.ok(powerOf(wav.samples, 8000, 440) > 50 * powerOf(wav.samples, 8000, 700), "the caller's tone is in it");
  });

  it("AMI MixMonitor and StopMixMonitor on a bridged call: MixMonitorID, MixMonitorStart/Stop, a complete file with both tones", async () => {
    const ami = await RawAmi.open(amiPort);
    try {
      const login = await ami.action({ Action: "Login", Username: ADMIN.user, Secret: ADMIN.secret, Events: "call" });
      assert.equal(login.get("Response"), "Success", login.text);
      let path = "";
      await call("8202", 7, true, async () => {
        const ch = await ami.next((m) => m.get("Event") === "Newchannel" && /^PJSIP\/4201-/.test(m.get("Channel") ?? ""));
        await ami.next((m) => m.get("Event") === "BridgeEnter" && m.get("Channel") === ch.get("Channel"));
        const started = await ami.action({ Action: "MixMonitor", Channel: ch.get("Channel")!, File: "ami/call.wav" });
        assert.equal(started.get("Response"), "Success", started.text);
        const id = started.get("MixMonitorID") ?? "";
        assert.match(id, /^0x[0-9a-f]+$/);
        await ami.next((m) => m.get("Event") === "MixMonitorStart" && m.get("Channel") === ch.get("Channel"));
        await sleep(3000);
        const stopped = await ami.action({ Action: "StopMixMonitor", Channel: ch.get("Channel")!, MixMonitorID: id });
        assert.equal(stopped.get("Response"), "Success", stopped.text);
        await ami.next((m) => m.get("Event") === "MixMonitorStop" && m.get("Channel") === ch.get("Channel"));
        path = join(monitor, "ami", "call.wav");
        // Stopped: the file is complete now, while the call goes on.
        assertCompleteWav(path);
        const again = await ami.action({ Action: "StopMixMonitor", Channel: ch.get("Channel")! });
        assert.equal(again.get("Response"), "Error", "nothing left to stop");
        const noChannel = await ami.action({ Action: "MixMonitor", Channel: "PJSIP/nobody-00000000", File: "x.wav" });
        assert.equal(noChannel.get("Message"), "No such channel");
      });
      const wav = readWav(path);
      const seconds = wav.samples.length / 8000;
      assert.ok(seconds >= 2.2 && seconds <= 3.8, `the three seconds between start and stop (${seconds.toFixed(2)} s)`);
      assert.ok(powerOf(wav.samples, 8000, 440) > 50 * powerOf(wav.samples, 8000, 700), "the caller's tone");
      assert.ok(powerOf(wav.samples, 8000, 1000) > 50 * powerOf(wav.samples, 8000, 700), "the callee's tone");
    } finally {
      ami.close();
    }
  });
});
