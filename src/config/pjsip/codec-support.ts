/**
 * Says what an endpoint's `allow` list will really do. Every name there is a format Asterisk
 * knows (unknown names are already errors), and Switchboard decodes, encodes and transcodes
 * G.711, G.722, Opus and L16 (see `codecSupport`), so:
 * - a codec it has no codec for (g729, ilbc, gsm …) is "not available here": relayed untouched
 *   between phones that share it, never transcoded, played or recorded;
 * - a codec it cannot negotiate at all (video, text, image; testlaw) is left out of every SDP;
 * - an endpoint left with no audio codec it can negotiate fails every call with 488, and one with
 *   only codecs that are not available here is a config error in `check` (calls work only with
 *   phones that happen to share them).
 *
 * The first two are warnings found at load, so the server logs them as well as `check`;
 * endpoints with the same finding share one diagnostic at the first one's section, so a thousand
 * phones from one template give one line, not a thousand. The last two are `check` traps per
 * endpoint (check/traps.ts), like the other settings that load but break calls.
 */
import type { Diagnostic } from "../diagnostic.js";
import { joinChoices } from "../diagnostic.js";
import { codecKind, codecSupport, DECODED_CODECS } from "../schema/codecs.js";
import type { EndpointConfig } from "./endpoint-schema.js";

/** How many endpoint ids one grouped message names before "and N more". */
const NAMED = 3;

/** The decoded formats an admin would add: the phone codecs, not the L16 variants. */
const PHONE_CODECS = DECODED_CODECS.filter((n) => !n.startsWith("slin"));

function relayedFinding(ep: EndpointConfig, relayed: readonly string[]): string {
  const list = joinChoices(relayed, "and");
  const them = relayed.length === 1 ? "it" : "them";
  const base =
    `${list} ${relayed.length === 1 ? "is" : "are"} not available here: Switchboard has no ${joinChoices(relayed, "or")} codec, ` +
    `so ${relayed.length === 1 ? "it" : "they"} can only be relayed untouched between phones that both use ${them} (Echo returns ${them} as received), never transcoded to another codec, played or recorded`;
  const audio = ep.allow.map((c) => c.name).filter((n) => codecKind(n) === "audio");
  return audio.some((n) => DECODED_CODECS.includes(n)) ? base : `${base}; add ${joinChoices(PHONE_CODECS, "or")} for calls with other phones, Playback and tones`;
}

function unsupportedReason(name: string): string {
  const kind = codecKind(name);
  return kind === "audio" ? `${name} has no RTP mapping` : `${name} is ${kind}`;
}

function unsupportedFinding(unsupported: readonly string[]): string {
  const reasons = [...new Set(unsupported.map((n) => (codecKind(n) === "audio" ? unsupportedReason(n) : undefined)).filter((r) => r !== undefined))];
  const media = unsupported.some((n) => codecKind(n) !== "audio") ? ["only audio is implemented, so video, text and image streams are declined (port 0)"] : [];
  return `${joinChoices(unsupported, "and")} ${unsupported.length === 1 ? "is" : "are"} never negotiated: ${[...media, ...reasons].join("; ")}`;
}

/** True when the endpoint's audio codecs are all ones Switchboard has no codec for (at least one). */
export function allowsOnlyRelayedCodecs(ep: EndpointConfig): boolean {
  const audio = ep.allow.map((c) => c.name).filter((n) => codecSupport(n) !== "unsupported");
  return audio.length > 0 && audio.every((n) => codecSupport(n) === "relayed");
}

/** The `check` error for such an endpoint. */
export function onlyRelayedCodecsMessage(ep: EndpointConfig): string {
  const relayed = ep.allow.map((c) => c.name).filter((n) => codecSupport(n) === "relayed");
  return `endpoint ${ep.id} allows only ${joinChoices(relayed, "and")}, which ${relayed.length === 1 ? "is" : "are"} not available here: its calls work only with phones that use ${relayed.length === 1 ? "it" : "them"} too, never transcoded, with Playback or tones; add ${joinChoices(PHONE_CODECS, "or")} to allow`;
}

/** True when the endpoint allows no audio codec Switchboard can negotiate. */
export function allowsNoUsableCodec(ep: EndpointConfig): boolean {
  return !ep.allow.some((c) => codecSupport(c.name) !== "unsupported");
}

/** The `check` warning for an endpoint that can negotiate no audio codec at all. */
export function noUsableCodecMessage(ep: EndpointConfig): string {
  const fix = "so every call to or from it fails with 488: add e.g. disallow=all and allow=ulaw,alaw";
  if (ep.allow.length === 0) return `endpoint ${ep.id} allows no codecs, ${fix}`;
  const why = ep.allow.map((c) => unsupportedReason(c.name)).join(", ");
  return `endpoint ${ep.id} allows no codec Switchboard can negotiate (${why}), ${fix}`;
}

type FindingKind = "relayed" | "unsupported";

interface Group {
  readonly kind: FindingKind;
  readonly text: string;
  readonly first: EndpointConfig;
  readonly ids: string[];
}

/** `endpoint 6001`, `endpoints 6001 and 6002`, `endpoints 6001, 6002, 6003 and 4 more`. */
function subject(ids: readonly string[]): string {
  if (ids.length === 1) return `endpoint ${ids[0] ?? ""}`;
  const named = ids.slice(0, NAMED);
  const rest = ids.length - named.length;
  return `endpoints ${rest > 0 ? `${named.join(", ")} and ${rest} more` : joinChoices(named, "and")}`;
}


/** One warning per distinct finding, at the first endpoint that has it, naming all of them. */
export function checkCodecSupport(endpoints: Iterable<EndpointConfig>): Diagnostic[] {
  const groups = new Map<string, Group>();
  const add = (kind: FindingKind, text: string, ep: EndpointConfig): void => {
    const key = `${kind}\n${text}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { kind, text, first: ep, ids: [ep.id] });
    else g.ids.push(ep.id);
  };
  for (const ep of endpoints) {
    const names = ep.allow.map((c) => c.name);
    const relayed = names.filter((n) => codecSupport(n) === "relayed");
    const unsupported = names.filter((n) => codecSupport(n) === "unsupported");
    if (relayed.length > 0) add("relayed", relayedFinding(ep, relayed), ep);
    if (unsupported.length > 0) add("unsupported", unsupportedFinding(unsupported), ep);
  }
  return [...groups.values()].map((g) => ({ severity: "warning", file: g.first.file, line: g.first.line, message: `${subject(g.ids)}: ${g.text}` }));
}
