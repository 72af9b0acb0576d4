/**
 * Call and pickup groups as pjsip.conf writes them: numbered groups `1,3-5` (0 to 63) and named
 * groups `sales,support`. A phone may pick up a call ringing on an endpoint when one of its
 * pickup groups is one of that endpoint's call groups (numbered or named).
 */
import type { EndpointConfig } from "../../config/index.js";

/** `1,3-5` → {1,3,4,5}; out-of-range and unreadable parts are left out. */
export function parseNumberedGroups(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let g = Math.min(from, to); g <= Math.max(from, to) && g <= 63; g++) out.add(g);
  }
  return out;
}

export function parseNamedGroups(text: string): Set<string> {
  return new Set(
    text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/** True when `picker` may pick up a call ringing on `ringing`. */
export function mayPickUp(picker: Pick<EndpointConfig, "pickupGroup" | "namedPickupGroup">, ringing: Pick<EndpointConfig, "callGroup" | "namedCallGroup">): boolean {
  const pickup = parseNumberedGroups(picker.pickupGroup);
  for (const g of parseNumberedGroups(ringing.callGroup)) if (pickup.has(g)) return true;
  const named = parseNamedGroups(picker.namedPickupGroup);
  for (const g of parseNamedGroups(ringing.namedCallGroup)) if (named.has(g)) return true;
  return false;
}
