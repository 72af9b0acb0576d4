/**
 * DTLS-SRTP (RFC 5763, RFC 5764) through Switchboard with a real phone: baresip with
 * `dtls_srtp.so` (`mediaenc=dtls_srtp`) on an endpoint with media_encryption=dtls calls a plain
 * RTP phone (the scripted phone) and is called by it. Each hears the other's tone; on baresip's
 * side the wire carries DTLS records and then SRTP (the tone is not readable as PCMU there, while
 * it is on the plain side, so the check can fail); `core show channel` names the handshake and
 * the keys, and the log says the peer's fingerprint was verified.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { ScriptedPhone } from "../helpers/scripted-phone.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const DTLS = { id: "1001", password: randomPassword() };
const PLAIN = { id: "1003", password: randomPassword() };
const RTP_RANGE = { start: 34000, end: 34999 };
const BARESIP_RTP = { start: 20600, end: 20699 };

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("DTLS-SRTP with baresip (dtls_srtp) bridged to a plain RTP phone: tones both ways, DTLS then SRTP on the wire", () => {
  let pbx: Pbx;
  let sipPort: number;
  const dir = scratchDir("dtls-srtp");

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    const common = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", disallow: "all", allow: "ulaw" };
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port: sipPort,
          endpoints: [
            { ...DTLS, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { ...common, media_encryption: "dtls", use_avpf: "yes", dtls_auto_generate_cert: "yes", dtls_verify: "fingerprint" } },
            { ...PLAIN, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: common },
          ],
        }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": `[general]\nrtpstart=${RTP_RANGE.start}\nrtpend=${RTP_RANGE.end}\n`,
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function dtlsPhone(source: string, answer: boolean): Promise<Baresip> {
    const p = await startBaresip({
      ip: "127.0.0.2",
      rtpPorts: `${BARESIP_RTP.start}-${BARESIP_RTP.end}`,
      audioSource: source,
      modules: ["srtp.so", "dtls_srtp.so"],
      accounts: [`<sip:${DTLS.id}@${SERVER_IP}:${sipPort}>;auth_pass=${DTLS.password};audio_codecs=pcmu;regint=600;mediaenc=dtls_srtp${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${DTLS.id} registered`);
    return p;
  }

  /** The datagrams to and from baresip's RTP ports. */
  function baresipSide(datagrams: readonly CapturedDatagram[]): CapturedDatagram[] {
    const mine = (port: number) => port >= BARESIP_RTP.start && port <= BARESIP_RTP.end;
    return datagrams.filter((d) => mine(d.srcPort) || mine(d.dstPort));
  }

  /** DTLS records (RFC 7983: first byte 20-63) and RTP (128-191) on baresip's side; the tone must not read as plain PCMU there. */
  function assertEncrypted(datagrams: readonly CapturedDatagram[], hz: number, who: string): void {
    const side = baresipSide(datagrams);
    const dtls = side.filter((d) => (d.payload[0] ?? 0) >= 20 && (d.payload[0] ?? 0) <= 63);
    const rtp = side.filter((d) => (d.payload[0] ?? 0) >> 6 === 2 && ((d.payload[1] ?? 0) & 0x7f) === 0);
    assert.ok(dtls.some((d) => d.payload[0] === 22), `${who}: DTLS handshake records on baresip's side (${dtls.length} DTLS datagrams)`);
    assert.ok(rtp.length > 100, `${who}: ${rtp.length} RTP packets on baresip's side`);
    const clear = analyseTone(decodeRtp(rtp, 0, Number.MAX_SAFE_INTEGER), hz, { minSeconds: 2 });
    assert.ok(!clear.ok && clear.totalToneSeconds < 0.5, `${who}: the ${hz} Hz tone is readable as plain PCMU on baresip's side (${clear.totalToneSeconds} s)`);
    // 12-byte header + 160 bytes of PCMU + the 80-bit SRTP tag.
    const sizes = new Set(rtp.map((d) => d.payload.length));
    assert.ok([...sizes].every((n) => n === 182 || n === 176), `${who}: SRTP packet sizes ${[...sizes].join(",")}`);
  }

  async function channelDetails(): Promise<string[]> {
    const list = (await pbx.rx("core show channels verbose")).stdout;
    const names = [...list.matchAll(/^(PJSIP\/\d+-[0-9a-f]+)/gm)].map((m) => m[1] ?? "");
    return Promise.all(names.map(async (n) => (await pbx.rx(`core show channel ${n}`)).stdout));
  }

  it("baresip (DTLS-SRTP) calls a plain phone: both hear each other; DTLS then SRTP on baresip's leg; core show channel and the log say so", async () => {
    const tone1000 = makeToneWav(join(dir, "a1000.wav"), { frequency: 1000, seconds: 6 });
    const capture = await startRtpCapture(dir, `udp portrange ${BARESIP_RTP.start}-${BARESIP_RTP.end}`, "dtls-out");
    const plain = await ScriptedPhone.start("127.0.0.3", { ip: SERVER_IP, port: sipPort }, PLAIN.id, PLAIN.password);
    const caller = await dtlsPhone(tone1000, false);
    let datagrams: CapturedDatagram[] = [];
    try {
      plain.answerWith = "answer";
      assert.equal((await plain.sip.register({ user: PLAIN.id, password: PLAIN.password, expires: 600 })).final.status, 200);
      plain.playTone(440);
      const start = Date.now();
      await caller.command(`dial sip:${PLAIN.id}@${SERVER_IP}:${sipPort}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000).catch((err: Error) => {
        throw new Error(`${err.message}\n--- baresip:\n${caller.log().slice(-2000)}\n--- pbx:\n${pbx.diagnostics()}`);
      });
      await pbx.waitForLog(/DTLS-SRTP on 'PJSIP\/1001-[0-9a-f]+': handshake done as (client|server), SRTP_AES128_CM_HMAC_SHA1_80, peer certificate sha-256 [0-9A-F:]{95} \(verified: fingerprint\)/, 10000);
      await sleepMs(2000);
      const details = await channelDetails();
      const dtlsLeg = details.find((d) => /PJSIP\/1001-/.test(d.split("\n")[0] ?? "")) ?? details.join("\n");
      assert.match(dtlsLeg, /\n {11}SRTP: AES_CM_128_HMAC_SHA1_80 \(DTLS; \d+ packets refused\)\n/, dtlsLeg);
      assert.match(dtlsLeg, /\n {7}DTLS-SRTP: connected as (client|server) \(a=setup:(active|passive)\), SRTP_AES128_CM_HMAC_SHA1_80, peer certificate sha-256 [0-9A-F:]+ \(verified: fingerprint\)\n/, dtlsLeg);
      await caller.waitEvent("CALL_CLOSED", 20000);
      await sleepMs(500);
      const heard = plain.heard(start);
      assertTone(analyseTone(heard, 1000, { minSeconds: 3 }), "1003 (plain, callee)", 1000);
      const rec = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(rec, caller.recordings().join(","));
      assertTone(checkTone(rec, 440, { minSeconds: 3 }), "1001 (DTLS, caller)", 440);
    } finally {
      datagrams = await capture.stop();
      plain.close();
      await caller.stop();
    }
    assertEncrypted(datagrams, 1000, "baresip → PBX");
  });
  it("a plain phone calls baresip: the PBX offers DTLS-SRTP (UDP/TLS/RTP/SAVPF, a=setup:active, our fingerprint); both hear each other, SRTP on baresip's leg", async () => {
    const tone440 = makeToneWav(join(dir, "b440.wav"), { frequency: 440, seconds: 30 });
    const capture = await startRtpCapture(dir, `udp portrange ${BARESIP_RTP.start}-${BARESIP_RTP.end}`, "dtls-in");
    const plain = await ScriptedPhone.start("127.0.0.3", { ip: SERVER_IP, port: sipPort }, PLAIN.id, PLAIN.password);
    const callee = await dtlsPhone(tone440, true);
    let datagrams: CapturedDatagram[] = [];
    try {
      plain.playTone(1000);
      const start = Date.now();
      const c = await plain.call(DTLS.id).catch((err: Error) => {
        throw new Error(`${err.message}\n--- baresip:\n${callee.log().slice(-2000)}\n--- pbx:\n${pbx.diagnostics()}`);
      });
      await callee.waitEvent("CALL_ESTABLISHED", 5000);
      await pbx.waitForLog(/DTLS-SRTP on 'PJSIP\/1001-[0-9a-f]+': handshake done as client, SRTP_AES128_CM_HMAC_SHA1_80, peer certificate sha-256 [0-9A-F:]{95} \(verified: fingerprint\)/, 10000);
      await sleepMs(4000);
      await plain.sip.send(plain.inDialog(c, "BYE", c.cseq + 1));
      await callee.waitEvent("CALL_CLOSED", 10000);
      await sleepMs(500);
      const heard = plain.heard(start);
      assertTone(analyseTone(heard, 440, { minSeconds: 3 }), "1003 (plain, caller)", 440);
      const rec = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(rec, callee.recordings().join(","));
      assertTone(checkTone(rec, 1000, { minSeconds: 3 }), "1001 (DTLS, callee)", 1000);
    } finally {
      datagrams = await capture.stop();
      plain.close();
      await callee.stop();
    }
    assertEncrypted(datagrams, 1000, "PBX → baresip");
  });
});
