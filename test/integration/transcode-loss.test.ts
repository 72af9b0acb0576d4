/**
 * Transcoding over a lossy network: an Opus phone and a PCMU phone on their own links to the PBX
 * (network namespaces, netns-topologies.ts createStar); nftables in the PBX's namespace drops
 * one in twenty of the Opus phone's RTP packets at random (5% loss). The PCMU phone must still
 * hear the Opus phone's tone for most of the call, the PBX must say it concealed lost packets,
 * and the tone the other way is untouched.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, checkTone, assertTone } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { createStar, requireNetns, type Star } from "../helpers/netns-topologies.js";

const PORT = 5060;
const OPUS = { id: "4001", password: randomPassword() };
const PCMU = { id: "4002", password: randomPassword() };
const CALL_SECONDS = 8;

describe("transcoding with 5% loss on the Opus side (network namespaces, nftables numgen drop)", () => {
  let star: Star;
  let pbx: Pbx;
  const dir = scratchDir("transcode-loss");

  before(async () => {
    requireNetns({ nft: true });
    star = createStar("pbx", ["lossy", "clean"]);
    const lossy = star.spokes[0]?.ip ?? "";
    // 5% of the UDP the Opus phone sends to the RTP range never reaches the PBX.
    execFileSync("ip", ["netns", "exec", star.hub, "nft", "-f", "-"], {
      input: `table inet loss {\n chain input {\n  type filter hook input priority 0;\n  ip saddr ${lossy} udp dport 34000-34999 numgen random mod 20 0 counter drop\n }\n}\n`,
      stdio: ["pipe", "pipe", "pipe"],
    });
    pbx = await startPbx({
      netns: star.hub,
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: star.hubIp,
          port: PORT,
          endpoints: [OPUS, PCMU].map((e, i) => ({ ...e, context: "internal", maxContacts: 1, removeExisting: true, allow: [i === 0 ? "opus" : "ulaw"], endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" } })),
        }),
        "extensions.conf": "[internal]\nexten => _400X,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=34000\nrtpend=34999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
    star?.teardown();
  });

  async function phone(ep: { id: string; password: string }, spoke: number, codec: "opus" | "PCMU", source: string, answer: boolean): Promise<Baresip> {
    const s = star.spokes[spoke];
    assert.ok(s);
    const b = await startBaresip({
      ip: s.ip,
      netns: s.ns,
      sipPort: 5062,
      ctrlPort: 4444,
      rtpPorts: "20800-20899",
      audioSource: source,
      modules: codec === "opus" ? ["opus.so"] : [],
      accounts: [`<sip:${ep.id}@${star.hubIp}:${PORT};transport=udp>;auth_pass=${ep.password};audio_codecs=${codec};regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${ep.id} registered`);
    return b;
  }

  it("the PCMU phone hears the Opus phone's tone through 5% loss, and the PBX concealed the lost packets", async () => {
    const opusTone = makeToneWav(join(dir, "opus-1000.wav"), { frequency: 1000, seconds: CALL_SECONDS, rate: 48000, channels: 2 });
    const pcmuTone = makeToneWav(join(dir, "pcmu-440.wav"), { frequency: 440, seconds: 30 });
    const caller = await phone(OPUS, 0, "opus", opusTone, false);
    const callee = await phone(PCMU, 1, "PCMU", pcmuTone, true);
    let channels = "";
    try {
      await caller.command(`dial sip:${PCMU.id}@${star.hubIp}:${PORT}`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(5000);
      const names = (await pbx.rx("core show channels concise")).stdout.split("\n").map((l) => l.split("!")[0] ?? "").filter((n) => n.startsWith("PJSIP/4001"));
      for (const n of names) channels += (await pbx.rx(`core show channel ${n}`)).stdout;
      await caller.waitEvent("CALL_CLOSED", 20000);
      await sleep(500);
      const dropped = execFileSync("ip", ["netns", "exec", star.hub, "nft", "list", "table", "inet", "loss"], { encoding: "utf8" });
      const drops = Number(/counter packets (\d+)/.exec(dropped)?.[1] ?? 0);
      assert.ok(drops >= 5, `nftables dropped ${drops} packets`);
      const m = /Transcoded: yes, opus to ulaw for the peer \((\d+) packets decoded, \d+ encoded, (\d+) lost and concealed/.exec(channels);
      assert.ok(m, channels);
      assert.ok(Number(m[2]) > 0, "some losses were concealed");
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: CALL_SECONDS - 2 }), "the PCMU phone (behind 5% loss from the Opus one)", 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: CALL_SECONDS - 2 }), "the Opus phone", 440);
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});
