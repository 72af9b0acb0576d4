/**
 * What our messages to and from one endpoint advertise: the loaded modules' capabilities
 * (core/module-capabilities.ts) minus the extensions the endpoint has switched off, so that
 * Allow and Supported in INVITEs, 18x/2xx and OPTIONS answers come from one derivation:
 *
 *   100rel=no   no PRACK in Allow, no 100rel in Supported (RFC 3262)
 *   timers=no   no timer in Supported (RFC 4028)
 *
 * Allow lists every method the PBX handles, REGISTER included: RFC 3261 §20.5 "The Allow
 * header field lists the set of methods supported by the UA generating the message", and
 * Asterisk lists REGISTER in its INVITE responses too.
 */
import type { CapabilitySet } from "../../core/module-capabilities.js";
import type { EndpointConfig } from "../../config/index.js";

const cache = new WeakMap<CapabilitySet, Map<string, CapabilitySet>>();

export function capabilitiesFor(loaded: CapabilitySet, ep: Pick<EndpointConfig, "rel100" | "timers">): CapabilitySet {
  const noRel = ep.rel100 === "no";
  const noTimer = ep.timers === "no";
  if (!noRel && !noTimer) return loaded;
  const key = `${noRel ? 1 : 0}${noTimer ? 1 : 0}`;
  let byKey = cache.get(loaded);
  if (!byKey) cache.set(loaded, (byKey = new Map<string, CapabilitySet>()));
  let set = byKey.get(key);
  if (!set) {
    set = loaded.without({ methods: noRel ? ["PRACK"] : [], optionTags: [...(noRel ? ["100rel"] : []), ...(noTimer ? ["timer"] : [])] });
    byKey.set(key, set);
  }
  return set;
}
