/**
 * Conferences between real softphones (baresip): three phones dial extension 100, which runs
 * ConfBridge(100). Each phone plays its own tone (500, 800, 1200 Hz) and records what it hears;
 * the mix-minus is right when each recording holds the other two tones and not its own. The
 * second and third cases put phones of different codecs (PCMU, PCMA, G.722; PCMU, G.722, Opus) in
 * one conference, so the mixer decodes, resamples to its internal rate and encodes for each. The console lists the conference
 * and its participants, and `confbridge kick 100 all` ends it (the dialplan hangs up after).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { goertzelPower, makeToneWav, readWav, type Wav } from "../helpers/audio.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
type Codec = "pcmu" | "pcma" | "g722" | "opus";
const ALLOW: Record<Codec, string> = { pcmu: "ulaw", pcma: "alaw", g722: "g722", opus: "opus" };
/** baresip's names in audio_codecs=, its module, and the WAV its aufile source must be (rate, channels). */
const BARESIP: Record<Codec, { name: string; module?: string; rate: number; channels: number }> = {
  pcmu: { name: "PCMU", rate: 8000, channels: 1 },
  pcma: { name: "PCMA", rate: 8000, channels: 1 },
  g722: { name: "G722", module: "g722.so", rate: 16000, channels: 1 },
  opus: { name: "opus", module: "opus.so", rate: 48000, channels: 2 },
};
const TONES = [500, 800, 1200] as const;
/** How long all three are in the conference before the kick. */
const TOGETHER_SECONDS = 4;

interface Account {
  id: string;
  password: string;
  codec: Codec;
}

/** Per 1-second window: the share of the signal's energy at each frequency (1 for a pure tone). */
function shares(wav: Wav, fromSec: number, toSec: number): Array<Record<number, number>> {
  const out: Array<Record<number, number>> = [];
  const n = wav.sampleRate;
  for (let t = fromSec; t + 1 <= toSec; t++) {
    const start = Math.round(t * n);
    let energy = 0;
    for (let i = start; i < start + n; i++) energy += (wav.samples[i] ?? 0) ** 2;
    const row: Record<number, number> = {};
    for (const hz of TONES) row[hz] = energy === 0 ? 0 : (2 * goertzelPower(wav.samples, wav.sampleRate, hz, start, n)) / (n * energy);
    out.push(row);
  }
  return out;
}

describe("ConfBridge (three baresip phones in one conference)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("confbridge");
  const accounts: Account[] = [
    { id: "3001", password: randomPassword(), codec: "pcmu" },
    { id: "3002", password: randomPassword(), codec: "pcmu" },
    { id: "3003", password: randomPassword(), codec: "pcmu" },
    { id: "3004", password: randomPassword(), codec: "pcma" },
    { id: "3005", password: randomPassword(), codec: "g722" },
    { id: "3006", password: randomPassword(), codec: "opus" },
  ];

  before(async () => {
    port = await freePort(SERVER_IP);
    const endpoints = accounts.map((a) => ({
      id: a.id,
      password: a.password,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      allow: [ALLOW[a.codec]],
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": "[internal]\nexten => 100,1,ConfBridge(100)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=33000\nrtpend=33999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(a: Account, ip: string, hz: number, rtpPorts: string): Promise<Baresip> {
    const b = BARESIP[a.codec];
    const source = makeToneWav(join(dir, `${a.id}-${hz}.wav`), { frequency: hz, seconds: 30, rate: b.rate, channels: b.channels });
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      modules: b.module !== undefined ? [b.module] : [],
      accounts: [`<sip:${a.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${a.password};audio_codecs=${b.name};regint=600`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${a.id} registered`);
    return p;
  }

  /** The three accounts each dial 100 with their tone; returns the console's views and what each heard. */
  async function conference(members: readonly Account[]): Promise<{ list: string; listConf: string; heard: Wav[] }> {
    const phones: Baresip[] = [];
    try {
      for (let i = 0; i < members.length; i++) {
        const ip = `127.0.0.${i + 2}`;
        phones.push(await phone(members[i] as Account, ip, TONES[i] as number, `${20600 + i * 100}-${20699 + i * 100}`));
      }
      for (const p of phones) {
        await p.command(`dial sip:100@${SERVER_IP}:${port}`);
        await p.waitEvent("CALL_ESTABLISHED", 10000);
      }
      const listConf = await waitUntil(async () => {
        const out = (await pbx.rx("confbridge list 100")).stdout;
        return (out.match(/^PJSIP\//gm) ?? []).length === 3 ? out : undefined;
      }, 10000, "three participants in conference 100");
      const list = (await pbx.rx("confbridge list")).stdout;
      await new Promise((r) => setTimeout(r, TOGETHER_SECONDS * 1000));
      const kick = await pbx.rx("confbridge kick 100 all");
      assert.match(kick.stdout, /All participants have been kicked out of conference '100'/);
      for (const p of phones) await p.waitEvent("CALL_CLOSED", 10000);
      await new Promise((r) => setTimeout(r, 500));
      const heard = phones.map((p, i) => {
        const f = p.recordings().find((x) => x.endsWith("-dec.wav"));
        assert.ok(f, `phone ${members[i]?.id} has a recording: ${p.recordings().join(",")}`);
        return readWav(f);
      });
      await waitUntil(async () => {
        const out = (await pbx.rx("core show resources")).stdout;
        return /Channels:\s+0/.test(out) && /RTP ports in use:\s+0/.test(out) ? out : undefined;
      }, 10000, "all channels and RTP ports released");
      assert.match((await pbx.rx("confbridge list")).stdout, /^=+ =+ =+ =+ =+\n$/m);
      return { list, listConf, heard };
    } finally {
      for (const p of phones) await p.stop();
    }
  }

  /** Each phone, in the seconds all three were in, hears both other tones and not its own. */
  function assertMixMinus(members: readonly Account[], heard: Wav[]): void {
    const problems: string[] = [];
    heard.forEach((wav, i) => {
      const own = TONES[i] as number;
      const end = wav.samples.length / wav.sampleRate - 0.7;
      const rows = shares(wav, end - (TOGETHER_SECONDS - 1), end);
      assert.ok(rows.length >= TOGETHER_SECONDS - 2, `phone ${members[i]?.id}: ${rows.length} windows`);
      rows.forEach((row, w) => {
        const text = TONES.map((hz) => `${hz} Hz ${(row[hz] ?? 0).toFixed(3)}`).join(", ");
        for (const hz of TONES) {
          const share = row[hz] ?? 0;
          if (hz === own && share > 0.02) problems.push(`phone ${members[i]?.id} (${own} Hz) hears its own tone in window ${w}: ${text}`);
          if (hz !== own && share < 0.15) problems.push(`phone ${members[i]?.id} (${own} Hz) misses ${hz} Hz in window ${w}: ${text}`);
        }
      });
    });
    assert.deepEqual(problems, []);
  }

  it("three PCMU phones: each hears the other two tones, never its own; the console lists them", async () => {
    const members = accounts.slice(0, 3);
    const r = await conference(members);
    assert.match(r.list, /^Conference Bridge Name\s+Users\s+Marked\s+Locked\s+Muted$/m);
    assert.match(r.list, /^100\s+3\s+0 No\s+No$/m, r.list);
    assert.match(r.listConf, /^Channel\s+Flags\s+User Profile\s+Bridge Profile\s+Menu\s+CallerID$/m);
    for (const a of members) assert.match(r.listConf, new RegExp(`^PJSIP/${a.id}-\\S+\\s+default_user\\s+default_bridge\\s+${a.id}$`, "m"), r.listConf);
    assertMixMinus(members, r.heard);
  });

  it("PCMU, PCMA and G.722 phones in one conference: mixed at 16 kHz, each hears the other two in its own codec", async () => {
    const members = [accounts[0], accounts[3], accounts[4]] as Account[];
    const r = await conference(members);
    assert.equal(r.heard[2]?.sampleRate, 16000, "the G.722 phone records at 16 kHz");
    assertMixMinus(members, r.heard);
  });

  it("PCMU, G.722 and Opus phones in one conference: mixed at 48 kHz, each hears the other two", async () => {
    const members = [accounts[0], accounts[4], accounts[5]] as Account[];
    const r = await conference(members);
    assert.equal(r.heard[2]?.sampleRate, 48000, "the Opus phone records at 48 kHz");
    assertMixMinus(members, r.heard);
  });
});
