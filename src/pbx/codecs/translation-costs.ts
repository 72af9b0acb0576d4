/**
 * What `core show translation` prints: for each pair of formats the media workers can transcode,
 * the time to turn one second of audio in the source format into the destination format (decode,
 * resample, encode), in microseconds, measured on this machine as Asterisk measures its
 * translators. Measured on first use and again on `recalc`, one pair at a time with the event
 * loop free in between, so calls and signalling carry on while it runs.
 */
import { createCodec, naturalRate, Resampler, transcodableCodecs } from "../../media/index.js";

export type CostTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** µs to carry `seconds` of a 1 kHz tone from `from` to `to`, per second of audio. */
function measurePair(from: string, to: string, seconds: number): number {
  const src = createCodec(from);
  const toRate = naturalRate(to);
  const dec = createCodec(from, toRate !== undefined ? { rate: toRate } : {});
  const enc = createCodec(to, { rate: dec?.sampleRate ?? 8000 });
  if (src === undefined || dec === undefined || enc === undefined) return NaN;
  const frame = src.sampleRate / 50;
  const tone = new Int16Array(frame);
  const packets: Buffer[] = [];
  for (let n = 0; n < seconds * 50; n++) {
    for (let i = 0; i < frame; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (n * frame + i)) / src.sampleRate));
    packets.push(src.encode(tone));
  }
  const resampler = new Resampler(dec.sampleRate, enc.sampleRate);
  const out = enc.sampleRate / 50;
  const start = performance.now();
  for (const p of packets) {
    const pcm = resampler.process(dec.decode(p));
    for (let i = 0; i + out <= pcm.length; i += out) enc.encode(pcm.subarray(i, i + out));
  }
  const elapsed = (performance.now() - start) * 1000;
  for (const c of [src, dec, enc]) c.close?.();
  return Math.max(1, Math.round(elapsed / seconds));
}

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Every pair of transcodable formats, `seconds` of audio each (in steps of at most one second). */
export async function measureTranslationCosts(seconds = 1): Promise<CostTable> {
  const names = transcodableCodecs();
  // A short pass first, so that what is measured is the compiled code, not the first calls.
  for (const from of names) {
    for (const to of names) {
      if (to === from) continue;
      measurePair(from, to, 0.2);
      await yieldTurn();
    }
  }
  const table = new Map<string, Map<string, number>>();
  for (const from of names) {
    const row = new Map<string, number>();
    for (const to of names) {
      if (to === from) continue;
      let total = 0;
      for (let done = 0; done < seconds; done++) {
        total += measurePair(from, to, 1);
        await yieldTurn();
      }
      row.set(to, Math.round(total / seconds));
    }
    table.set(from, row);
  }
  return table;
}

/** Asterisk's layout: a header, then one row per source format, a column per destination; "-" on the diagonal. */
export function formatTranslationTable(table: CostTable): string {
  const names = [...table.keys()];
  const width = (n: string) => Math.max(5, n.length);
  const head = `${"".padStart(10)}${names.map((n) => ` ${n.padStart(width(n))}`).join("")}`;
  const rows = names.map((from) => `${from.padStart(10)}${names.map((to) => ` ${(to === from ? "-" : String(table.get(from)?.get(to) ?? "-")).padStart(width(to))}`).join("")}`);
  return [
    "         Translation times between formats (in microseconds) for one second of data",
    "          Source Format (Rows) Destination Format (Columns)",
    "",
    head,
    ...rows,
    "",
  ].join("\n");
}
