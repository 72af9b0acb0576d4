/**
 * `allow=` / `disallow=` codec lists with Asterisk's semantics: items separated by `,` or `|`,
 * `all` adds every known format (or, in `disallow`, clears the list), `!codec` inverts the sense
 * of one item, `codec:20` sets the packetization time, and the order of `allow` is the order of
 * preference. An unknown name rejects the endpoint, as Asterisk does.
 */
import { suggestNames } from "./suggest.js";
import type { ParseResult } from "./types.js";
import { joinChoices } from "../diagnostic.js";

export type MediaKind = "audio" | "video" | "text" | "image";

export interface KnownCodec {
  readonly name: string;
  readonly kind: MediaKind;
}

/** Formats Asterisk knows by name, in the order `allow=all` adds them. */
export const KNOWN_CODECS: readonly KnownCodec[] = [
  ...["ulaw", "alaw", "g722", "opus", "gsm", "g729", "ilbc", "speex", "speex16", "speex32", "slin", "slin16", "slin32", "slin48", "g726", "g726aal2", "adpcm", "g723", "lpc10", "siren7", "siren14", "g719", "testlaw", "codec2"].map(
    (name) => ({ name, kind: "audio" as const }),
  ),
  ...["h264", "vp8", "vp9", "h265", "h263", "h263p", "h261", "mpeg4"].map((name) => ({ name, kind: "video" as const })),
  ...["t140", "t140red"].map((name) => ({ name, kind: "text" as const })),
  ...["jpeg", "png"].map((name) => ({ name, kind: "image" as const })),
];

const KNOWN_NAMES = KNOWN_CODECS.map((c) => c.name);

/** One allowed codec in preference order, with an optional ptime (ms) from `codec:NN`. */
export interface CodecPreference {
  readonly name: string;
  readonly ptime?: number;
}

/** Applies one `allow=`/`disallow=` line to the list built so far. */
export function applyCodecLine(raw: string, current: readonly CodecPreference[], sense: "allow" | "disallow"): ParseResult<CodecPreference[]> {
  const list = [...current];
  const warnings: string[] = [];
  for (const rawItem of raw.split(/[,|]/)) {
    let item = rawItem.trim().toLowerCase();
    if (item.length === 0) continue;
    let allow = sense === "allow";
    if (item.startsWith("!")) {
      allow = !allow;
      item = item.slice(1).trim();
    }
    const colon = item.indexOf(":");
    const name = colon < 0 ? item : item.slice(0, colon).trim();
    let ptime: number | undefined;
    if (colon >= 0) {
      const text = item.slice(colon + 1).trim();
      if (/^\d+$/.test(text) && Number(text) > 0) ptime = Number(text);
      else warnings.push(`Bad packetization value for codec ${name}`);
    }
    if (name === "all") {
      if (allow) {
        for (const n of KNOWN_NAMES) if (!list.some((c) => c.name === n)) list.push({ name: n });
      } else {
        list.length = 0;
      }
      continue;
    }
    if (!KNOWN_NAMES.includes(name)) {
      const verb = allow ? "allow" : "disallow";
      const near = suggestNames(name, KNOWN_NAMES);
      const advice = near.length > 0 ? `did you mean ${joinChoices(near.map((n) => `'${n}'`))}?` : `known codecs: ${KNOWN_NAMES.join(", ")}`;
      return { ok: false, reason: `Cannot ${verb} unknown format '${name}'; ${advice}` };
    }
    const index = list.findIndex((c) => c.name === name);
    if (allow) {
      const entry: CodecPreference = ptime === undefined ? { name } : { name, ptime };
      // Re-allowing a codec keeps its place in the preference order and only updates the ptime.
      if (index >= 0) list[index] = entry;
      else list.push(entry);
    } else if (index >= 0) {
      list.splice(index, 1);
    }
  }
  return warnings.length > 0 ? { ok: true, value: list, warning: warnings.join("; ") } : { ok: true, value: list };
}

export function codecKind(name: string): MediaKind | undefined {
  return KNOWN_CODECS.find((c) => c.name === name)?.kind;
}

/**
 * What Switchboard can do with a format:
 * - "decoded": negotiated, relayed untouched between phones that share it, and decoded and
 *   encoded by the media workers (media/codec/audio-codec.ts): transcoded to and from every other
 *   decoded format, played (Playback, tones) — G.711, G.722, Opus and L16;
 * - "relayed": negotiated and relayed untouched between phones that share it, and echoed back
 *   as received; Switchboard has no codec for it, so no transcoding, Playback or tones (g729,
 *   ilbc, gsm …: "not available here");
 * - "unsupported": never negotiated — video, text and image streams are declined (port 0), and
 *   `testlaw` (Asterisk's test format) has no RTP mapping.
 * test/config/schema/codec-support.test.ts keeps this in step with media/sdp/codec-table.ts and
 * the media workers' codecs.
 */
export type CodecSupport = "decoded" | "relayed" | "unsupported";

/** Formats Switchboard decodes and encodes itself (the media workers' transcodableCodecs()). */
export const DECODED_CODECS: readonly string[] = ["ulaw", "alaw", "g722", "opus", "slin", "slin16", "slin32", "slin48"];

/** Audio formats with no RTP payload mapping, so they can never appear in our SDP. */
const UNMAPPED_AUDIO: readonly string[] = ["testlaw"];

export function codecSupport(name: string): CodecSupport {
  if (DECODED_CODECS.includes(name)) return "decoded";
  return codecKind(name) === "audio" && !UNMAPPED_AUDIO.includes(name) ? "relayed" : "unsupported";
}
