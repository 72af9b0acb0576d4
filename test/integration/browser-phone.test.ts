/**
 * The browser phone, as a user runs it: Debian's Chromium (playwright-core, a fake microphone
 * playing a tone) opens Switchboard's page over HTTPS, registers over WSS, and calls a baresip
 * phone; then the baresip phone calls the browser. The browser's WebRTC leg (Opus, DTLS-SRTP,
 * ICE) is transcoded to the baresip phone's PCMU; the tones are heard both ways — in the page by
 * WebAudio, at baresip in its recording. A screenshot of the registered page is kept in
 * var/test-artifacts/. Chromium runs in a namespace of the test's own (its candidates are that
 * namespace's address), the PBX and baresip in the hub it reaches.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { startPbx, REPO_ROOT, type Pbx } from "../helpers/pbx.js";
import { randomPassword } from "../helpers/pjsip-conf.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { launchBrowser } from "../helpers/browser.js";
import { createStar, requireNetns, type Star } from "../helpers/netns-topologies.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { makeSelfSignedCert } from "../../src/sip/transport/self-signed-cert.js";

const WEB = { id: "6101", password: randomPassword(), hz: 1000 };
const DESK = { id: "6102", password: randomPassword(), hz: 600 };
const HTTPS_PORT = 8089;
const SIP_PORT = 5060;

interface PhoneApi {
  registration: string;
  callState: string;
  frequency(): number;
  level(): number;
  dial(n: string): void;
  answer(): void;
  hangup(): void;
}

describe("the browser phone (integration: Chromium over WSS with WebRTC ↔ baresip over UDP)", () => {
  let star: Star;
  let pbx: Pbx;
  let browser: BrowserContext;
  let page: Page;
  let desk: Baresip;
  const dir = scratchDir("browser-phone");
  const mic = makeToneWav(join(dir, "mic.wav"), { frequency: WEB.hz, seconds: 60, rate: 48000 });
  const deskTone = makeToneWav(join(dir, "desk.wav"), { frequency: DESK.hz, seconds: 60 });

  before(async () => {
    requireNetns();
    star = createStar("pbx", ["web"]);
    const hub = star.hubIp;
    const cert = await makeSelfSignedCert({ dir: join(dir, "tls") });
    const pjsip = [
      "[global]\ntype = global\nuser_agent = Switchboard\n",
      `[transport-udp]\ntype = transport\nprotocol = udp\nbind = ${hub}:${SIP_PORT}\n`,
      "[transport-wss]\ntype = transport\nprotocol = wss\nbind = 0.0.0.0\n",
      `[${WEB.id}]\ntype = endpoint\ncontext = office\nwebrtc = yes\ndisallow = all\nallow = opus\nauth = ${WEB.id}\naors = ${WEB.id}\n`,
      `[${WEB.id}]\ntype = auth\nauth_type = digest\nusername = ${WEB.id}\npassword = ${WEB.password}\n`,
      `[${WEB.id}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n`,
      `[${DESK.id}]\ntype = endpoint\ncontext = office\ndisallow = all\nallow = ulaw\nrtp_symmetric = yes\nrewrite_contact = yes\ndirect_media = no\nauth = ${DESK.id}\naors = ${DESK.id}\n`,
      `[${DESK.id}]\ntype = auth\nauth_type = digest\nusername = ${DESK.id}\npassword = ${DESK.password}\n`,
      `[${DESK.id}]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\n`,
    ].join("\n");
    pbx = await startPbx({
      netns: star.hub,
      configFiles: {
        "pjsip.conf": pjsip,
        "http.conf": `[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = 0\ntlsenable = yes\ntlsbindaddr = ${hub}:${HTTPS_PORT}\ntlscertfile = ${cert.certFile}\ntlsprivatekey = ${cert.keyFile}\n`,
        "extensions.conf": "[office]\nexten => _61XX,1,Dial(PJSIP/${EXTEN},30)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=38000\nrtpend=38999\n",
      },
    });
    desk = await startBaresip({
      netns: star.hub,
      ip: hub,
      sipPort: 5070,
      ctrlPort: 4444,
      rtpPorts: "39000-39099",
      audioSource: deskTone,
      accounts: [`<sip:${DESK.id}@${hub}:${SIP_PORT};transport=udp>;auth_pass=${DESK.password};audio_codecs=PCMU;regint=600;answermode=auto`],
      maxSeconds: 120,
    });
    await waitUntil(async () => /OK/.test(await desk.reginfo()), 10000, "the desk phone registered");
    browser = await launchBrowser({ microphone: mic, netns: star.spokes[0]?.ns ?? "" });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await desk?.stop();
    await pbx?.stop();
    star?.teardown();
  });

  /** The frequencies the page heard, sampled over `seconds`. */
  async function pageHears(seconds: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < seconds * 4; i++) {
      out.push(await page.evaluate(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.frequency()));
      await sleep(250);
    }
    return out;
  }

  it("registers over WSS from the page served over HTTPS (screenshot kept)", async () => {
    await page.goto(`https://${star.hubIp}:${HTTPS_PORT}/phone/`);
    await page.fill("#user", WEB.id);
    await page.fill("#password", WEB.password);
    await page.click("#register");
    await page.waitForFunction(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.registration === "registered", undefined, { timeout: 15000 });
    assert.match((await page.textContent("#status")) ?? "", new RegExp(`Registered as ${WEB.id}`));
    const artifacts = join(REPO_ROOT, "var", "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "browser-phone-registered.png") });
    const contacts = (await pbx.rx("pjsip show contacts")).stdout;
    assert.match(contacts, new RegExp(`${WEB.id}/sip:[^\\s]+\\.invalid`), contacts);
  });

  it("the browser calls the desk phone: Opus ↔ PCMU transcoded, tones heard both ways", async () => {
    await page.evaluate((n) => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.dial(n), DESK.id);
    await page.waitForFunction(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.callState === "in call", undefined, { timeout: 20000 });
    await sleep(1500);
    const heard = await pageHears(4);
    const near = heard.filter((f) => Math.abs(f - DESK.hz) < 30).length;
    assert.ok(near >= heard.length / 2, `the page heard ${DESK.hz} Hz (samples: ${heard.map((f) => f.toFixed(0)).join(" ")})`);
    const stats = (await pbx.rx("pjsip show channelstats")).stdout;
    // The dial pad sends DTMF in the call (RFC 4733 from the browser, through RTCDTMFSender).
    await page.click("#pad button:text-is('5')");
    await waitUntil(() => new RegExp(`DTMF end '5' received on PJSIP/${WEB.id}-[0-9a-f]+, duration \\d+ ms \\(rfc4733\\)`).test(pbx.messagesLog()), 5000, "the PBX got the browser's key 5");
    await waitUntil(() => desk.ctrl.events.some((e) => e.type === "CALL_DTMF_START" && e.param === "5"), 5000, "the desk phone got the key 5 (48 kHz telephone-event to 8 kHz, across the transcoded bridge)");
    // Hold and resume from the page: re-INVITEs the PBX sees.
    await page.click("#hold");
    await waitUntil(() => new RegExp(`PJSIP/${WEB.id}-[0-9a-f]+: put on hold`).test(pbx.messagesLog()), 5000, "the browser put the call on hold");
    await page.click("#hold");
    await waitUntil(() => new RegExp(`PJSIP/${WEB.id}-[0-9a-f]+: taken off hold`).test(pbx.messagesLog()), 5000, "the browser resumed the call");
    await page.evaluate(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.hangup());
    await desk.waitEvent("CALL_CLOSED", 10000);
    const rec = desk.recordings().find((r) => r.endsWith("-dec.wav"));
    assert.ok(rec, "the desk phone recorded what it heard");
    assertTone(analyseTone(readWav(rec), WEB.hz, { minSeconds: 3 }), "the desk phone (from the browser)", WEB.hz);
    assert.match(stats, new RegExp(`PJSIP/${WEB.id}-\\S*\\s+opus\\s`), `the browser's leg is Opus:\n${stats}`);
    assert.match(stats, new RegExp(`PJSIP/${DESK.id}-\\S*\\s+ulaw\\s`), `the desk phone's leg is PCMU:\n${stats}`);
  });

  it("the desk phone calls the browser: it rings in the page, is answered there, tones both ways", async () => {
    await desk.command(`dial sip:${WEB.id}@${star.hubIp}:${SIP_PORT}`);
    await page.waitForFunction(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.callState === "incoming", undefined, { timeout: 15000 });
    assert.equal(await page.isVisible("#incoming"), true, "the page shows the incoming call");
    await page.click("#answer");
    await page.waitForFunction(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.callState === "in call", undefined, { timeout: 15000 });
    await sleep(1500);
    const heard = await pageHears(3);
    assert.ok(heard.filter((f) => Math.abs(f - DESK.hz) < 30).length >= heard.length / 2, `the page heard ${DESK.hz} Hz (${heard.map((f) => f.toFixed(0)).join(" ")})`);
    await desk.command("hangup");
    await page.waitForFunction(() => (globalThis as unknown as { switchboardPhone: PhoneApi }).switchboardPhone.callState === "idle", undefined, { timeout: 10000 });
    await waitUntil(async () => !/PJSIP\//.test((await pbx.rx("core show channels concise")).stdout), 5000, "no channel left");
  });
});
