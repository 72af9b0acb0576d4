/**
 * Says what an endpoint's `allow` list will really do. Every name there is a format Asterisk
 * knows (unknown names are already errors), but Switchboard relays RTP without transcoding and
 * decodes only G.711 (see `codecSupport`), so:
 * - a codec it can only relay (g722, g729, opus, ilbc …) works between phones that share it, but
 *   never with Playback or tones, and a call between phones without a common codec fails;
 * - a codec it cannot negotiate at all (video, text, image; testlaw) is left out of every SDP;
 * - an endpoint left with no audio codec it can negotiate fails every call with 488.
 *
 * These are warnings, not errors: the endpoint loads and registers as in Asterisk (errors are
 * kept for lines that stop an object from being created). The first two are found at load, so
 * the server logs them as well as `check`; endpoints with the same finding share one diagnostic
 * at the first one's section, so a thousand phones from one template give one line, not a
 * thousand. The third is a `check` trap per endpoint (check/traps.ts), like the other settings
 * that load but break calls.
 */
import type { Diagnostic } from "../diagnostic.js";
import { joinChoices } from "../diagnostic.js";
import { codecKind, codecSupport, DECODED_CODECS } from "../schema/codecs.js";
import type { EndpointConfig } from "./endpoint-schema.js";

/** How many endpoint ids one grouped message names before "and N more". */
const NAMED = 3;

const G711 = joinChoices(DECODED_CODECS, "or");

function relayedFinding(ep: EndpointConfig, relayed: readonly string[]): string {
  const list = joinChoices(relayed, "and");
  const them = relayed.length === 1 ? "it" : "them";
  const base =
    `${list} can only be relayed: Switchboard does not transcode and decodes only ${joinChoices(DECODED_CODECS, "and")}, ` +
    `so ${list} ${relayed.length === 1 ? "works" : "work"} only between phones that both use ${them} (Echo returns ${them} as received), never with Playback or tones`;
  const audio = ep.allow.map((c) => c.name).filter((n) => codecKind(n) === "audio");
  const firstDecoded = audio.findIndex((n) => DECODED_CODECS.includes(n));
  if (firstDecoded < 0) return `${base}; add ${G711} for those`;
  const ahead = audio.slice(0, firstDecoded).filter((n) => relayed.includes(n));
  if (ahead.length === 0) return base;
  // Answers follow our allow order, so a call answered by Switchboard itself picks this codec.
  return `${base}; ${joinChoices(ahead, "and")} ${ahead.length === 1 ? "comes" : "come"} before ${audio[firstDecoded] ?? ""} in allow, so Playback fails for phones that offer ${ahead.length === 1 ? "it" : "them"}: put ${DECODED_CODECS.join(",")} first`;
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
