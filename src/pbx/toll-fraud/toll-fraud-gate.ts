/**
 * The toll-fraud gate: what a call must be to go out through a trunk, decided before its INVITE
 * is built (guard.conf `tollfraud` and the trunk_* / international_* options):
 * - the caller authenticated (digest) or its request matched an `identify` section; an
 *   unauthenticated caller (the `anonymous` endpoint, an endpoint without `auth=` found by its From
 *   user) never reaches a trunk, whatever its dialplan context says;
 * - at most trunk_calls_per_endpoint calls at once and trunk_cpm_per_endpoint per minute from one
 *   calling endpoint, trunk_calls_per_trunk / trunk_cpm_per_trunk through one trunk;
 * - a number starting with an international prefix only from an endpoint in international_allowed.
 * A trunk is an endpoint with outbound_auth=, one an identify section names, one whose AORs have
 * a static contact= and that has no auth=, or one listed in guard.conf `trunks`. Every refusal is
 * one NOTICE naming the caller, the number and the rule.
 */
import type { EndpointConfig, LoadedConfig } from "../../config/index.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { parseUri, unescapeUser } from "../../sip/parser/index.js";

/** How the calling request was let in: digest authentication, an identify match, or neither. */
export type Admission = "auth" | "identify" | "none";

export interface TrunkCall {
  caller: { endpoint: EndpointConfig; admission: Admission; callerNum: string; peer: string };
  trunk: EndpointConfig;
  /** The Request-URI of the INVITE to the trunk. */
  uri: string;
}

/** Admitted: call `release()` once when the attempt ends. Refused: the reason was logged. */
export type GateDecision = { ok: true; release: () => void } | { ok: false };

const MINUTE_MS = 60_000;

export class TollFraudGate {
  private readonly active = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly o: { config: () => LoadedConfig; clock: Clock },
  ) {}

  /** True when calls to this endpoint go out to another network (see the header). */
  isTrunk(ep: EndpointConfig): boolean {
    return isTrunkEndpoint(ep, this.o.config());
  }

  admit(call: TrunkCall, log: Logger): GateDecision {
    const g = this.o.config().guard;
    if (!g.tollfraud || !this.isTrunk(call.trunk)) return { ok: true, release: () => {} };
    const number = numberOf(call.uri);
    const refuse = (rule: string): GateDecision => {
      const c = call.caller;
      log.notice(
        { endpoint: c.endpoint.id, trunk: call.trunk.id },
        `Toll fraud: call from endpoint '${c.endpoint.id}' (caller ${c.callerNum || "unknown"}, ${c.peer}) to ${number} through trunk '${call.trunk.id}' refused: ${rule}`,
      );
      return { ok: false };
    };
    const c = call.caller;
    if (c.admission === "none") {
      return refuse(`the caller neither authenticated nor matched an identify section; give endpoint '${c.endpoint.id}' an auth= (or an identify for a trusted peer), and keep its context from reaching trunks`);
    }
    const prefix = g.internationalPrefixes.find((p) => p !== "" && number.startsWith(p));
    if (prefix !== undefined) {
      const allowed = g.internationalAllowed.includes(c.endpoint.id) || (g.internationalAllowed.includes("*") && c.admission === "auth");
      if (!allowed) return refuse(`international number (prefix ${prefix}) and endpoint '${c.endpoint.id}' is not in international_allowed (guard.conf)`);
    }
    const now = this.o.clock.now();
    const fromKey = `ep:${c.endpoint.id}`;
    const trunkKey = `trunk:${call.trunk.id}`;
    if (g.trunkCallsPerEndpoint > 0 && (this.active.get(fromKey) ?? 0) >= g.trunkCallsPerEndpoint) {
      return refuse(`endpoint '${c.endpoint.id}' already has ${g.trunkCallsPerEndpoint} calls out through trunks (trunk_calls_per_endpoint in guard.conf)`);
    }
    if (g.trunkCallsPerTrunk > 0 && (this.active.get(trunkKey) ?? 0) >= g.trunkCallsPerTrunk) {
      return refuse(`trunk '${call.trunk.id}' already carries ${g.trunkCallsPerTrunk} calls (trunk_calls_per_trunk in guard.conf)`);
    }
    if (g.trunkCpmPerEndpoint > 0 && this.inLastMinute(fromKey, now) >= g.trunkCpmPerEndpoint) {
      return refuse(`endpoint '${c.endpoint.id}' started ${g.trunkCpmPerEndpoint} calls through trunks in the last minute (trunk_cpm_per_endpoint in guard.conf)`);
    }
    if (g.trunkCpmPerTrunk > 0 && this.inLastMinute(trunkKey, now) >= g.trunkCpmPerTrunk) {
      return refuse(`trunk '${call.trunk.id}' had ${g.trunkCpmPerTrunk} calls started in the last minute (trunk_cpm_per_trunk in guard.conf)`);
    }
    for (const k of [fromKey, trunkKey]) {
      this.active.set(k, (this.active.get(k) ?? 0) + 1);
      const times = this.recent.get(k) ?? [];
      times.push(now);
      this.recent.set(k, times);
    }
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        for (const k of [fromKey, trunkKey]) {
          const n = (this.active.get(k) ?? 1) - 1;
          if (n <= 0) this.active.delete(k);
          else this.active.set(k, n);
        }
      },
    };
  }

  /** Calls out through trunks now, by `ep:<id>` and `trunk:<id>` (for the console and tests). */
  activeCounts(): ReadonlyMap<string, number> {
    return this.active;
  }

  private inLastMinute(key: string, now: number): number {
    const times = this.recent.get(key);
    if (!times) return 0;
    while (times.length > 0 && (times[0] ?? 0) <= now - MINUTE_MS) times.shift();
    if (times.length === 0) this.recent.delete(key);
    return times.length;
  }
}

/** A trunk: an endpoint with outbound_auth=, named by an identify, with a static contact and no auth=, or in guard.conf trunks. */
export function isTrunkEndpoint(ep: EndpointConfig, cfg: Pick<LoadedConfig, "pjsip" | "guard">): boolean {
  if (cfg.guard.trunks.includes(ep.id)) return true;
  if (ep.outboundAuth.length > 0) return true;
  if (cfg.pjsip.identifies.some((i) => i.endpoint === ep.id)) return true;
  return ep.auth.length === 0 && ep.aors.some((a) => (cfg.pjsip.aors.get(a)?.contact.length ?? 0) > 0);
}

/** The dialled number: the Request-URI's user part, unescaped (the whole URI when it has none). */
export function numberOf(uri: string): string {
  const u = parseUri(uri);
  return u?.user !== undefined ? unescapeUser(u.user) : uri;
}
