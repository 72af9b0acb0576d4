/**
 * SRTP with SDES keys (RFC 3711, RFC 4568) through Switchboard with real phones: two baresip
 * phones with `srtp.so` and `mediaenc=srtp-mand` register over TLS and call each other; each
 * hears the other's tone, and what crossed the loopback on both legs is not G.711 in the clear
 * (the same capture of a plain leg does show the tone, so the check can fail). An SRTP phone
 * calls a plain-RTP phone and the PBX bridges the encrypted leg to the plain one, both ways. An
 * SRTP offer to an endpoint without media_encryption gets 488 with a Warning and one NOTICE.
 * The transport-tls snippet (test paths, loopback bind) passes `switchboard check` and starts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { parseRtpHeader } from "../../src/media/rtp/rtp-header.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };
const PLAIN = { id: "1003", password: randomPassword() };
const BIN = new URL("../../bin/switchboard.js", import.meta.url).pathname;
const RTP_RANGE = { start: 33000, end: 33999 };

describe("SRTP (SDES) with baresip over TLS: tones both ways, nothing in the clear, SRTP bridged to plain RTP", () => {
  let pbx: Pbx;
  let tlsPort: number;
  const dir = scratchDir("srtp");
  let certFile = "";
  let keyFile = "";

  before(async () => {
    execFileSync(process.execPath, [BIN, "cert", "--data", join(dir, "data")], { encoding: "utf8", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" } });
    certFile = join(dir, "data", "tls", "cert.pem");
    keyFile = join(dir, "data", "tls", "privkey.pem");
    const udpPort = await freePort(SERVER_IP);
    tlsPort = await freePort(SERVER_IP);
    const common = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", disallow: "all", allow: "ulaw" };
    const endpoints = [
      { ...A, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { ...common, media_encryption: "sdes" } },
      { ...B, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { ...common, media_encryption: "sdes" } },
      { ...PLAIN, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: common },
    ];
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port: udpPort,
          endpoints,
          extra: `\n[transport-tls]\ntype = transport\nprotocol = tls\nbind = ${SERVER_IP}:${tlsPort}\ncert_file = ${certFile}\npriv_key_file = ${keyFile}\nmethod = tlsv1_2\n`,
        }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\nexten => 600,1,Answer()\n same => n,Echo()\n",
        "rtp.conf": `[general]\nrtpstart=${RTP_RANGE.start}\nrtpend=${RTP_RANGE.end}\n`,
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(ep: { id: string; password: string }, ip: string, source: string, rtpPorts: string, o: { answer: boolean; srtp: boolean }): Promise<Baresip> {
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      modules: o.srtp ? ["srtp.so"] : [],
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${tlsPort};transport=tls>;auth_pass=${ep.password};audio_codecs=pcmu;regint=600${o.srtp ? ";mediaenc=srtp-mand" : ""}${o.answer ? ";answermode=auto" : ""}`],
      extraConfig: [`sip_cafile ${certFile}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered over TLS`);
    return p;
  }

  /** The RTP datagrams between the PBX and the phone whose RTP ports start at `base` (a block of 100). */
  function legOf(datagrams: readonly CapturedDatagram[], base: number): { toPhone: CapturedDatagram[]; fromPhone: CapturedDatagram[] } {
    const mine = (port: number) => port >= base && port < base + 100;
    const rtp = datagrams.filter((d) => {
      const h = parseRtpHeader(d.payload);
      return h !== undefined && (h.payloadType < 64 || h.payloadType > 95);
    });
    return { toPhone: rtp.filter((d) => mine(d.dstPort)), fromPhone: rtp.filter((d) => mine(d.srcPort)) };
  }

  /** What a listener would hear if it took the packets for plain PCMU. */
  function clearTone(datagrams: readonly CapturedDatagram[], hz: number) {
    return analyseTone(decodeRtp(datagrams, 0, Number.MAX_SAFE_INTEGER), hz, { minSeconds: 2 });
  }

  async function call(caller: Baresip, callee: Baresip, calleeId: string): Promise<void> {
    await caller.command(`dial sip:${calleeId}@${SERVER_IP}:${tlsPort};transport=tls`);
    await caller.waitEvent("CALL_ESTABLISHED", 10000).catch((err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(caller.ctrl.events)}\n--- caller:\n${caller.log().slice(-800)}\n--- callee:\n${callee.log().slice(-1500)}\n--- pbx:\n${pbx.diagnostics()}`);
    });
  }

  /** The caller's 1000 Hz tone file ends the call; the recorders close a moment later. */
  async function hangUpAfterTone(caller: Baresip): Promise<void> {
    await caller.waitEvent("CALL_CLOSED", 20000);
    await sleepMs(500);
  }

  async function stopAll(...phones: Baresip[]): Promise<void> {
    for (const p of phones) await p.stop();
  }

  /** The callee heard the caller's 1000 Hz and the caller the callee's 440 Hz, each for 4 s unbroken. */
  function assertHeardEachOther(caller: Baresip, callerWho: string, callee: Baresip, calleeWho: string): void {
    const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
    const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
    assertTone(checkTone(heardByCallee, 1000, { minSeconds: 4 }), calleeWho, 1000);
    assertTone(checkTone(heardByCaller, 440, { minSeconds: 4 }), callerWho, 440);
  }

    it("module show lists res_srtp.so running; module load res_srtp.so answers as Asterisk does for a loaded module", async () => {
    const show = (await pbx.rx("module show like srtp")).stdout;
    assert.equal(
      show,
      "Module                         Description                              Use Count  Status      Support Level\nres_srtp.so                    Secure RTP (SRTP)                        0          Running              core\n1 modules loaded\n",
    );
    const load = await pbx.rx("module load res_srtp.so");
    assert.match(load.stdout + load.stderr, /Unable to load module res_srtp\.so\nCommand 'module load res_srtp\.so' failed\.\n/);
    await pbx.waitForLog(/WARNING\[\d+\] loader: Module 'res_srtp\.so' already loaded and running\./);
    assert.equal((await pbx.rx("module reload res_srtp.so")).stdout, "The module 'res_srtp.so' does not support reloads\n");
    assert.equal((await pbx.rx("module reload res_pjsip.so")).stdout, "Module 'res_pjsip.so' reloaded successfully.\n");
  });

  it("two SRTP phones over TLS: each hears the other's tone; both legs carry SRTP (no G.711 in the clear, 10-byte tags); the console says SRTP", async () => {
    const tone1000 = makeToneWav(join(dir, "a1000.wav"), { frequency: 1000, seconds: 6 });
    const tone440 = makeToneWav(join(dir, "b440.wav"), { frequency: 440, seconds: 30 });
    const capture = await startRtpCapture(dir, `udp portrange ${RTP_RANGE.start}-${RTP_RANGE.end}`, "srtp-both");
    const caller = await phone(A, "127.0.0.2", tone1000, "20400-20499", { answer: false, srtp: true });
    const callee = await phone(B, "127.0.0.3", tone440, "20500-20599", { answer: true, srtp: true });
    let datagrams: CapturedDatagram[] = [];
    try {
      await call(caller, callee, B.id);
      await sleepMs(2500);
      const stats = (await pbx.rx("pjsip show channelstats")).stdout;
      const channels = (await pbx.rx("core show channels verbose")).stdout;
      const names = [...channels.matchAll(/^(PJSIP\/\d+-[0-9a-f]+)/gm)].map((m) => m[1] ?? "");
      assert.equal(names.length, 2, channels);
      for (const name of names) {
        const detail = (await pbx.rx(`core show channel ${name}`)).stdout;
        assert.match(detail, /\n {11}SRTP: AES_CM_128_HMAC_SHA1_(80|32) \(SDES; \d+ packets refused\)\n/, `${name} says SRTP:\n${detail}`);
      }
      assert.match(stats, / LastRx SRTP\n/, stats);
      assert.equal((stats.match(/ yes\/(80|32)\n/g) ?? []).length, 2, stats);
      await hangUpAfterTone(caller);
    } finally {
      datagrams = await capture.stop();
      await stopAll(caller, callee);
    }
    assertHeardEachOther(caller, "1001 (caller)", callee, "1002 (callee)");
    assert.doesNotMatch(pbx.messagesLog(), /went in clear text/, "over TLS the keys are not said to be in clear text");

    const a = legOf(datagrams, 20400);
    const b = legOf(datagrams, 20500);
    for (const [name, packets, hz] of [["from 1001", a.fromPhone, 1000], ["to 1002", b.toPhone, 1000], ["from 1002", b.fromPhone, 440], ["to 1001", a.toPhone, 440]] as const) {
      assert.ok(packets.length > 100, `${name}: ${packets.length} RTP packets captured`);
      const heard = clearTone(packets, hz);
      assert.ok(!heard.ok && heard.totalToneSeconds < 0.5, `${name}: the ${hz} Hz tone is readable as plain PCMU on the wire (${heard.totalToneSeconds} s)`);
      // 12-byte header + 160 bytes of 20 ms PCMU + the 80-bit tag (baresip offers _80 first), or the 32-bit one.
      const sizes = new Set(packets.map((d) => d.payload.length));
      assert.ok([...sizes].every((n) => n === 182 || n === 176), `${name}: SRTP packet sizes ${[...sizes].join(",")}`);
    }
  });

  it("hold and resume (re-INVITEs) on an SRTP call: both legs keep decrypting after the resume, nothing refused", async () => {
    const tone1000 = makeToneWav(join(dir, "h1000.wav"), { frequency: 1000, seconds: 30 });
    const tone440 = makeToneWav(join(dir, "h440.wav"), { frequency: 440, seconds: 30 });
    const caller = await phone(A, "127.0.0.2", tone1000, "21100-21199", { answer: false, srtp: true });
    const callee = await phone(B, "127.0.0.3", tone440, "21200-21299", { answer: true, srtp: true });
    /** Per channel: packets received from its phone and SRTP packets refused. */
    const counters = async (): Promise<Map<string, { in: number; refused: number }>> => {
      const out = new Map<string, { in: number; refused: number }>();
      const list = (await pbx.rx("core show channels verbose")).stdout;
      for (const [, name] of list.matchAll(/^(PJSIP\/\d+-[0-9a-f]+)/gm)) {
        const d = (await pbx.rx(`core show channel ${name}`)).stdout;
        const inPackets = Number(/Packets in : (\d+)/.exec(d)?.[1] ?? NaN);
        const refused = Number(/SRTP: AES_CM_128_HMAC_SHA1_\d+ \(SDES; (\d+) packets refused\)/.exec(d)?.[1] ?? NaN);
        out.set(name ?? "", { in: inPackets, refused });
      }
      return out;
    };
    try {
      await call(caller, callee, B.id);
      await sleepMs(1500);
      assert.equal((await caller.command("hold")).ok, true);
      await pbx.waitForLog(/PJSIP\/1001-[0-9a-f]+: put on hold/, 10000);
      await sleepMs(1000);
      assert.equal((await caller.command("resume")).ok, true);
      await pbx.waitForLog(/PJSIP\/1001-[0-9a-f]+: taken off hold/, 10000);
      await sleepMs(1000);
      const before = await counters();
      await sleepMs(2000);
      const after = await counters();
      assert.equal(after.size, 2, JSON.stringify([...after]));
      for (const [name, c] of after) {
        const b = before.get(name);
        assert.ok(b !== undefined && c.in - b.in > 50, `${name} still receives its phone's SRTP after the resume: ${b?.in} → ${c.in}`);
        assert.equal(c.refused, b.refused, `${name}: no SRTP packet refused after the resume`);
      }
      await caller.command("hangup");
      await caller.waitEvent("CALL_CLOSED", 10000);
    } finally {
      await stopAll(caller, callee);
    }
  });

    it("an SRTP phone calls a plain-RTP phone: tones both ways; the SRTP leg is encrypted and the plain one carries the tone in the clear", async () => {
    const tone1000 = makeToneWav(join(dir, "c1000.wav"), { frequency: 1000, seconds: 6 });
    const tone440 = makeToneWav(join(dir, "d440.wav"), { frequency: 440, seconds: 30 });
    const capture = await startRtpCapture(dir, `udp portrange ${RTP_RANGE.start}-${RTP_RANGE.end}`, "srtp-plain");
    const caller = await phone(A, "127.0.0.2", tone1000, "20600-20699", { answer: false, srtp: true });
    const callee = await phone(PLAIN, "127.0.0.4", tone440, "20700-20799", { answer: true, srtp: false });
    let datagrams: CapturedDatagram[] = [];
    try {
      await call(caller, callee, PLAIN.id);
      await sleepMs(1500);
      const stats = (await pbx.rx("pjsip show channelstats")).stdout;
      assert.equal((stats.match(/ yes\/80\n/g) ?? []).length + (stats.match(/ yes\/32\n/g) ?? []).length, 1, stats);
      assert.equal((stats.match(/ no\n/g) ?? []).length, 1, `the plain leg says no:\n${stats}`);
      await hangUpAfterTone(caller);
    } finally {
      datagrams = await capture.stop();
      await stopAll(caller, callee);
    }
    assertHeardEachOther(caller, "1001 (SRTP caller)", callee, "1003 (plain callee)");
    const srtpLeg = legOf(datagrams, 20600);
    const plainLeg = legOf(datagrams, 20700);
    assert.ok(!clearTone(srtpLeg.fromPhone, 1000).ok, "the caller's tone is not in the clear on its leg");
    assert.ok(!clearTone(srtpLeg.toPhone, 440).ok, "the callee's tone is encrypted toward the caller");
    // The control: the same check finds the tones on the plain leg.
    assert.ok(clearTone(plainLeg.toPhone, 1000).ok, "the PBX decrypted the caller's audio for the plain callee");
    assert.ok(clearTone(plainLeg.fromPhone, 440).ok, "the plain callee's tone is readable on its own leg");
  });

  it("an SRTP phone calls Echo(): it hears its own tone, decrypted and encrypted again by the PBX", async () => {
    const tone = makeToneWav(join(dir, "echo700.wav"), { frequency: 700, seconds: 5 });
    const caller = await phone(A, "127.0.0.6", tone, "20900-20999", { answer: false, srtp: true });
    try {
      await caller.command(`dial sip:600@${SERVER_IP}:${tlsPort};transport=tls`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await caller.waitEvent("CALL_CLOSED", 20000);
      await sleepMs(500);
    } finally {
      await caller.stop();
    }
    const heard = caller.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heard, caller.recordings().join(","));
    assertTone(checkTone(heard, 700, { minSeconds: 3 }), "1001 (echo)", 700);
  });

    it("an SRTP offer to an endpoint without media_encryption: 488 with a Warning, and one NOTICE naming the endpoint and the option", async () => {
    const tone = makeToneWav(join(dir, "e1000.wav"), { frequency: 1000, seconds: 3 });
    // 1003 has media_encryption=no; its phone insists on SRTP.
    const caller = await phone(PLAIN, "127.0.0.5", tone, "20800-20899", { answer: false, srtp: true });
    try {
      await caller.command(`dial sip:1002@${SERVER_IP}:${tlsPort};transport=tls`);
      const closed = await caller.waitEvent("CALL_CLOSED", 10000);
      assert.match(String(closed.param ?? ""), /488/, JSON.stringify(closed));
      const line = await pbx.waitForLog(/NOTICE.*endpoint '1003' has media_encryption=no; set media_encryption=sdes/);
      assert.match(line, /SDP offered RTP\/SAVP \(SRTP with SDES keys\)/);
      await sleepMs(300);
      assert.equal((pbx.messagesLog().match(/endpoint '1003' has media_encryption=no/g) ?? []).length, 1, "one NOTICE");
    } finally {
      await caller.stop();
    }
  });
});

describe("the issue's transport-tls snippet loads unchanged (test paths, loopback bind)", () => {
  it("passes switchboard check and starts; pjsip show transports and the endpoint show it", async () => {
    const dir = scratchDir("srtp-seed");
    execFileSync(process.execPath, [BIN, "cert", "--data", join(dir, "data")], { encoding: "utf8", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" } });
    const port = await freePort(SERVER_IP);
    const snippet = [
      "[transport-tls]",
      "type = transport",
      "protocol = tls",
      `bind = ${SERVER_IP}:${port}`,
      "external_media_address=203.0.113.1",
      "external_signaling_address=203.0.113.1",
      "local_net = 192.168.0.0/255.255.255.0",
      `cert_file = ${join(dir, "data", "tls", "cert.pem")}`,
      `priv_key_file = ${join(dir, "data", "tls", "privkey.pem")}`,
      "method = tlsv1_2",
      "",
      "[101]",
      "type = endpoint",
      "media_encryption = sdes",
      ";media_encryption_optimistic=no",
      "",
    ].join("\n");
    const configDir = join(dir, "config");
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "pjsip.conf"), snippet);
    const check = spawnSync(process.execPath, [BIN, "check", "--config", configDir], { encoding: "utf8", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" }, timeout: 15000 });
    assert.equal(check.status, 0, `check: ${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /^0 errors, /m, check.stdout);
    // The snippet is honest as it stands: no codecs and no AOR are said, TLS and SDES load without a word.
    assert.doesNotMatch(check.stdout + check.stderr, /: error:|not implemented|clear text|transport-tls/i, check.stdout + check.stderr);
    // Without the TLS transport the same endpoint is told its keys would travel in clear text.
    const plainDir = join(dir, "config-no-tls");
    mkdirSync(plainDir, { recursive: true });
    writeFileSync(join(plainDir, "pjsip.conf"), snippet.slice(snippet.indexOf("[101]")));
    const plain = spawnSync(process.execPath, [BIN, "check", "--config", plainDir], { encoding: "utf8", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" }, timeout: 15000 });
    assert.match(plain.stdout, /pjsip\.conf:1: warning: \[101\] endpoint: media_encryption=sdes sends the SRTP keys in the SDP, and no transport has protocol=tls, so the keys travel in clear text/, plain.stdout);
    const pbx = await startPbx({ configFiles: { "pjsip.conf": snippet } });
    try {
      assert.match((await pbx.rx("pjsip show transports")).stdout, new RegExp(`Transport:  transport-tls +tls +0 +0  127\\.0\\.0\\.1:${port}\\n`));
      assert.match((await pbx.rx("pjsip show endpoint 101")).stdout, /media_encryption +: sdes\n/);
    } finally {
      await pbx.stop();
    }
  });
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
