/** The music on hold service: which class a channel hears, files played round after round, the generated music as fallback, stop, and the console's layout. */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureLogger } from "../../../src/core/logger.js";
import { buildMohConfig } from "../../../src/config/moh/load-moh.js";
import { parseConfigText, type MohConfig } from "../../../src/config/index.js";
import type { PlaybackSource, PlayOptions, PlayResult } from "../../../src/media/index.js";
import { MohService } from "../../../src/pbx/moh/moh-service.js";
import type { MohLeg } from "../../../src/pbx/moh/moh-player.js";
import { mohClassesText, mohFilesText } from "../../../src/pbx/moh/moh-commands.js";

const dir = mkdtempSync(join(tmpdir(), "sw-moh-service-"));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ["b.wav", "a.ulaw", "a.wav"]) writeFileSync(join(dir, f), "x");

/** A media engine that records what is played and lets the test end each play. */
class FakeMedia {
  readonly played: Array<{ legId: string; source: PlaybackSource; opts: PlayOptions }> = [];
  private pending: Array<(r: PlayResult) => void> = [];
  play(legId: string, source: PlaybackSource, opts: PlayOptions): Promise<PlayResult> {
    this.played.push({ legId, source, opts });
    return new Promise((r) => this.pending.push(r));
  }
  stopPlayback(): void {
    for (const r of this.pending.splice(0)) r("stopped");
  }
  /** Ends the current play as played out. */
  finish(): void {
    this.pending.shift()?.("done");
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function leg(name = "PJSIP/1002-00000002"): MohLeg {
  return { name, media: { legId: `leg-${name}`, codecs: [{ payloadType: 0, name: "ulaw", clockRate: 8000 }] as never, ptimeMs: undefined, remoteFmtpOf: () => undefined } };
}

function service(text: string, media = new FakeMedia()): { s: MohService; media: FakeMedia; log: CaptureLogger; cfg: MohConfig } {
  const cfg = buildMohConfig(parseConfigText(text, "musiconhold.conf")).config;
  const log = new CaptureLogger();
  return { s: new MohService({ config: () => cfg, media: () => media, log, random: () => 0 }), media, log, cfg };
}

test("moh class choice: CHANNEL(musicclass) first, then the class asked for (moh_suggest, the application's), then default", () => {
  const { s } = service(`[jazz]\ndirectory=${dir}\n[rock]\ndirectory=${dir}\n`);
  assert.equal(s.choose("jazz", "rock", "c").name, "jazz");
  assert.equal(s.choose(undefined, "rock", "c").name, "rock");
  assert.equal(s.choose(undefined, "", "c").name, "default");
  assert.equal(s.choose("", undefined, "c").name, "default");
});

test("moh class choice: preferchannelclass=no puts the requested class first; an unknown class is one WARNING and the next choice plays", () => {
  const { s, log } = service(`[general]\npreferchannelclass=no\n[jazz]\ndirectory=${dir}\n[rock]\ndirectory=${dir}\n`);
  assert.equal(s.choose("jazz", "rock", "c").name, "rock");
  assert.equal(s.choose("jazz", "nosuch", "PJSIP/1-1").name, "jazz");
  assert.equal(s.choose("jazz", "nosuch", "PJSIP/1-1").name, "jazz");
  assert.equal(log.records.filter((r) => r.level === "warn" && r.msg.includes("'nosuch'")).length, 1);
});

test("moh player: a files class plays its files in order, in the leg's codec when present, round after round until stopped", async () => {
  const { s, media } = service(`[jazz]\ndirectory=${dir}\nsort=alpha\n`);
  const l = leg();
  const p = s.start(l, s.choose(undefined, "jazz", l.name));
  assert.ok(p);
  const paths = async (n: number): Promise<string[]> => {
    for (let i = 0; i < n; i++) {
      await tick();
      media.finish();
    }
    await tick();
    return media.played.map((x) => (x.source.kind === "file" ? x.source.path.slice(dir.length + 1) : x.source.kind));
  };
  assert.deepEqual(await paths(2), ["a.ulaw", "b.wav", "a.ulaw"], "a.ulaw for a µ-law leg; a new round after b");
  assert.equal(media.played[0]?.opts.codec, "ulaw");
  assert.equal(s.classes().find((r) => r.cls.name === "jazz")?.inUse, 1);
  assert.equal(s.stop(l.media.legId), true);
  await p.done;
  assert.equal(s.playing(l.media.legId), undefined);
  assert.equal(s.classes().find((r) => r.cls.name === "jazz")?.inUse, 0);
  assert.equal(s.stop(l.media.legId), false, "stopping twice is harmless");
});

test("moh player: the default class plays the generated music as one endless loop", async () => {
  const { s, media } = service("");
  const l = leg();
  const p = s.start(l, s.choose(undefined, undefined, l.name));
  await tick();
  const src = media.played[0]?.source;
  assert.equal(src?.kind, "samples");
  assert.equal(src?.kind === "samples" && src.loop, true);
  assert.equal(src?.kind === "samples" && src.samples.length, 16 * 8000);
  s.stopAll();
  await p?.done;
});

test("moh player: a class whose directory has no playable file plays the generated music, with a WARNING", async () => {
  const empty = mkdtempSync(join(dir, "empty-"));
  const { s, media, log } = service(`[jazz]\ndirectory=${empty}\n`);
  assert.ok(log.find("no playable sound files"), "named at load");
  const p = s.start(leg(), s.choose(undefined, "jazz", "c"));
  await tick();
  assert.equal(media.played[0]?.source.kind, "samples");
  s.stopAll();
  await p?.done;
});

test("moh player: starting music on a leg that already plays some replaces it", async () => {
  const { s, media } = service(`[jazz]\ndirectory=${dir}\n`);
  const l = leg();
  const first = s.start(l, s.choose(undefined, "jazz", l.name));
  await tick();
  const second = s.start(l, s.choose(undefined, undefined, l.name));
  await first?.done;
  await tick();
  assert.equal(s.playing(l.media.legId), second);
  assert.equal(media.played.at(-1)?.source.kind, "samples");
  s.stopAll();
});

test("moh show classes / moh show files: res_musiconhold's layout", () => {
  const { s } = service(`[jazz]\nmode=files\ndirectory=${dir}\n`);
  assert.equal(
    mohClassesText(s.classes()),
    `Class: jazz\n\tMode: files\n\tDirectory: ${dir}\n\tUse Count: 0\nClass: default\n\tMode: files\n\tDirectory: <none>\n\tUse Count: 0\n\tMusic: generated by Switchboard (no sound files)\n`,
  );
  assert.equal(mohFilesText(s.classes()), `Class: jazz\n\tFile: ${join(dir, "a")}\n\tFile: ${join(dir, "b")}\n`);
});
