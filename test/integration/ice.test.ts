/**
 * ICE for RTP (RFC 8445) with a real ICE agent: baresip 1.0 with its `ice` module
 * (`medianat=ice`) registers as 1001 (ice_support=yes) and calls 1002, a baresip without ICE
 * (ice_support=no), through Switchboard on loopback. Each phone plays its tone and records what
 * it hears: both tones must arrive. The ICE leg's `core show channel` must show the checks: the
 * PBX answered the phone's Binding requests with MESSAGE-INTEGRITY, its own checks succeeded and
 * a pair was selected; the plain leg shows no ICE, and its SDP (what 1002 got) carries none.
 * Then 1002 calls 1001: our offer to the ICE phone carries candidates and we are controlling.
 *
 * Everything runs inside a sandbox namespace (netns.ts): baresip's ICE offers every interface
 * address it finds, so in the root namespace the checks would go to the machine's own eth0.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { createSandbox, requireNetns, type Sandbox } from "../helpers/netns.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, checkTone, assertTone } from "../helpers/audio.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const ICE_PHONE = { id: "1001", password: randomPassword() };
const PLAIN_PHONE = { id: "1002", password: randomPassword() };
const CALL_SECONDS = 6;
const HEARD_SECONDS = CALL_SECONDS - 2.5;

describe("ICE: baresip with ICE ↔ Switchboard ↔ baresip without", () => {
  let pbx: Pbx;
  let sb: Sandbox;
  const port = 5060;
  const dir = scratchDir("ice");
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: CALL_SECONDS });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });

  before(async () => {
    requireNetns();
    sb = createSandbox();
    const common = { context: "internal", maxContacts: 1, removeExisting: true };
    const opts = { disallow: "all", allow: "ulaw", direct_media: "no", rtp_symmetric: "no" };
    pbx = await startPbx({
      netns: sb.ns,
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port,
          endpoints: [
            { ...ICE_PHONE, ...common, endpointOptions: { ...opts, ice_support: "yes" } },
            { ...PLAIN_PHONE, ...common, endpointOptions: opts },
          ],
        }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=32000\nrtpend=32099\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
    sb?.teardown();
  });

  async function phone(ep: { id: string; password: string }, ip: string, source: string, rtpPorts: string, o: { answer: boolean; ice: boolean }): Promise<Baresip> {
    const p = await startBaresip({
      ip,
      rtpPorts,
      netns: sb.ns,
      sipPort: ip === "127.0.0.2" ? 5070 : 5080,
      ctrlPort: 4444,
      audioSource: source,
      modules: o.ice ? ["ice.so"] : [],
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${ep.password};audio_codecs=pcmu;regint=600${o.answer ? ";answermode=auto" : ""}${o.ice ? ";medianat=ice" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered`);
    return p;
  }

  async function channelDetails(): Promise<Map<string, string>> {
    const names = (await pbx.rx("core show channels concise")).stdout.split("\n").map((l) => l.split("!")[0] ?? "").filter((n) => n.startsWith("PJSIP/"));
    const out = new Map<string, string>();
    for (const n of names) out.set(n, (await pbx.rx(`core show channel ${n}`)).stdout);
    return out;
  }

  async function toneCall(caller: Baresip, callee: Baresip, to: string): Promise<Map<string, string>> {
    await caller.command(`dial sip:${to}@${SERVER_IP}:${port}`);
    await caller.waitEvent("CALL_ESTABLISHED", 10000);
    await new Promise((r) => setTimeout(r, 2500));
    const details = await channelDetails();
    await caller.waitEvent("CALL_CLOSED", 20000);
    await new Promise((r) => setTimeout(r, 500));
    const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
    const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
    assertTone(checkTone(heardByCallee, 1000, { minSeconds: HEARD_SECONDS }), `${to} (callee)`, 1000);
    assertTone(checkTone(heardByCaller, 440, { minSeconds: HEARD_SECONDS }), "caller", 440);
    return details;
  }

  function iceLeg(details: Map<string, string>, ep: string): string {
    const d = [...details].find(([n]) => n.startsWith(`PJSIP/${ep}-`))?.[1];
    assert.ok(d, `a channel of ${ep} in ${[...details.keys()].join(", ")}`);
    return d;
  }

  it("1001 (ICE) calls 1002 (no ICE): tones both ways; the PBX answered 1001's checks with integrity and selected a pair as controlled", async () => {
    const caller = await phone(ICE_PHONE, "127.0.0.2", tone1000, "20600-20619", { answer: false, ice: true });
    const callee = await phone(PLAIN_PHONE, "127.0.0.3", tone440, "20620-20639", { answer: true, ice: false });
    try {
      const details = await toneCall(caller, callee, PLAIN_PHONE.id);
      const ice = iceLeg(details, ICE_PHONE.id);
      assert.match(ice, /ICE: completed, controlled/, ice);
      assert.match(ice, /ICE responder: [1-9]\d* checks received, [1-9]\d* answered with integrity/, ice);
      assert.match(ice, /ICE selected: RTP host 127\.0\.0\.1:\d+ -> (host|prflx) [\d.]+:206\d\d\n/, ice);
      assert.match(ice, /ICE pair: RTP .* Succeeded/, ice);
      const plain = iceLeg(details, PLAIN_PHONE.id);
      assert.match(plain, /\n {12}ICE: no\n/, plain);
      assert.doesNotMatch(callee.log(), /a=ice-ufrag/, "the plain phone got no ICE attributes");
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });

  it("1002 (no ICE) calls 1001 (ICE): our offer to 1001 carries ICE, we control and nominate, tones both ways", async () => {
    const caller = await phone(PLAIN_PHONE, "127.0.0.3", tone1000, "20640-20659", { answer: false, ice: false });
    const callee = await phone(ICE_PHONE, "127.0.0.2", tone440, "20660-20679", { answer: true, ice: true });
    try {
      const details = await toneCall(caller, callee, ICE_PHONE.id);
      const ice = iceLeg(details, ICE_PHONE.id);
      assert.match(ice, /ICE: completed, controlling/, ice);
      assert.match(ice, /ICE pair: RTP host 127\.0\.0\.1:\d+ -> (host|prflx) [\d.]+:206\d\d Succeeded nominated/, ice);
      assert.match(ice, /ICE responder: [1-9]\d* checks received, [1-9]\d* answered with integrity/, ice);
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});
