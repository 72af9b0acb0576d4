/** Music on hold files: a class directory's listing (one entry per file whatever its formats), the format played per codec, and the sort orders. */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listMohFiles, pathFor, playOrder, type MohFile } from "../../../src/pbx/moh/moh-files.js";

const dir = mkdtempSync(join(tmpdir(), "sw-moh-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("moh files: one entry per name whatever its formats, alphabetical; hidden files, unknown formats and directories are skipped", () => {
  for (const f of ["macroform-robot_dity.wav", "macroform-cold_day.wav", "macroform-cold_day.ulaw", "manolo_camp-morning_coffee.g722", ".hidden.wav", "readme.txt", "song.gsm", "noext"]) writeFileSync(join(dir, f), "x");
  mkdirSync(join(dir, "sub.wav"));
  const files = listMohFiles(dir);
  assert.deepEqual(
    files.map((f) => [f.base, f.extensions]),
    [
      [join(dir, "macroform-cold_day"), ["ulaw", "wav"]],
      [join(dir, "macroform-robot_dity"), ["wav"]],
      [join(dir, "manolo_camp-morning_coffee"), ["g722"]],
    ],
  );
});

test("moh files: a missing or empty directory lists nothing", () => {
  assert.deepEqual(listMohFiles(join(dir, "does-not-exist")), []);
  assert.deepEqual(listMohFiles(""), []);
});

test("moh files: the format in the leg's codec is played when present, else the first usable one", () => {
  const f: MohFile = { base: "/m/a", extensions: ["alaw", "ulaw", "wav"] };
  assert.equal(pathFor(f, "ulaw"), "/m/a.ulaw");
  assert.equal(pathFor(f, "alaw"), "/m/a.alaw");
  assert.equal(pathFor(f, "opus"), "/m/a.wav");
  assert.equal(pathFor({ base: "/m/b", extensions: ["g722"] }, "ulaw"), "/m/b.g722");
});

const FILES: MohFile[] = ["a", "b", "c", "d", "e"].map((n) => ({ base: `/m/${n}`, extensions: ["wav"] }));
const names = (l: MohFile[]): string => l.map((f) => f.base.slice(3)).join("");

/** A fixed sequence standing in for Math.random. */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

test("moh sort: alpha plays the listing's order every round", () => {
  assert.equal(names(playOrder(FILES, "alpha", 0)), "abcde");
  assert.equal(names(playOrder(FILES, "alpha", 3)), "abcde");
});

test("moh sort: random shuffles every file in, each once per round", () => {
  const r = playOrder(FILES, "random", 0, seq(0, 0, 0, 0));
  assert.equal(names(r), "bcdea");
  const r2 = playOrder(FILES, "random", 1, seq(0.99, 0.5, 0.1, 0.7));
  assert.deepEqual(names(r2).split("").sort().join(""), "abcde");
  assert.notEqual(names(r2), "abcde");
});

test("moh sort: randstart begins at a random file in alphabetical order, then plays alphabetically", () => {
  assert.equal(names(playOrder(FILES, "randstart", 0, seq(0.5))), "cdeab");
  assert.equal(names(playOrder(FILES, "randstart", 1, seq(0.5))), "abcde");
});
