/**
 * `switchboard check`'s trunk traps (issue 11), above the config layer because they read the
 * compiled dialplan:
 * - a trunk no identify section matches: calls from the provider are not recognised as its own
 *   (they land on the anonymous endpoint, or are challenged and fail);
 * - an endpoint that takes calls without authenticating (no auth=, no identify: found by its From
 *   user or as `anonymous`) whose context — with its includes — can Dial a trunk: the toll-fraud
 *   gate refuses those calls at run time, but the dialplan invites them.
 * outbound_proxy without `\;lr` is a config-layer trap (config/check/traps.ts).
 */
import type { Diagnostic } from "../../config/diagnostic.js";
import type { EndpointConfig, LoadedConfig } from "../../config/index.js";
import { compileDialplan } from "../dialplan/compile.js";
import type { Dialplan, DialplanPriority } from "../dialplan/types.js";
import { isTrunkEndpoint } from "./toll-fraud-gate.js";

function warning(file: string, line: number, message: string): Diagnostic {
  return { severity: "warning", file, line, message };
}

/** Trunks a Dial() of this priority names (`PJSIP/…@trunk`, `PJSIP/trunk/sip:…`), globals substituted. */
function dialledTrunks(p: DialplanPriority, dialplan: Dialplan, isTrunk: (id: string) => boolean): string[] {
  if (p.app.toLowerCase() !== "dial") return [];
  const data = p.appData.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => dialplan.globals.get(name) ?? whole);
  const out: string[] = [];
  for (const m of data.matchAll(/PJSIP\/(?:[^@/&,]*@)?([^/&,()${}]+)/gi)) {
    const id = m[1]?.trim();
    if (id && isTrunk(id) && !out.includes(id)) out.push(id);
  }
  return out;
}

/** The first Dial to a trunk reachable from `context` through its includes, with where it is written. */
function trunkDialFrom(context: string, dialplan: Dialplan, isTrunk: (id: string) => boolean): { trunk: string; at: DialplanPriority; context: string } | undefined {
  const seen = new Set<string>();
  const queue = [context];
  while (queue.length > 0) {
    const name = queue.shift() ?? "";
    if (seen.has(name)) continue;
    seen.add(name);
    const ctx = dialplan.contexts.get(name);
    if (!ctx) continue;
    for (const ext of ctx.extensions) {
      for (const p of ext.priorities) {
        const trunk = dialledTrunks(p, dialplan, isTrunk)[0];
        if (trunk !== undefined) return { trunk, at: p, context: name };
      }
    }
    for (const inc of ctx.includes) queue.push(inc.context);
  }
  return undefined;
}

/** Takes calls without a password: no auth= and no identify section naming it. */
function unauthenticated(ep: EndpointConfig, cfg: LoadedConfig): boolean {
  return ep.auth.length === 0 && !cfg.pjsip.identifies.some((i) => i.endpoint === ep.id);
}

export function checkTrunks(cfg: LoadedConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  const eps = cfg.pjsip.endpoints;
  const isTrunk = (id: string): boolean => {
    const ep = eps.get(id);
    return ep !== undefined && isTrunkEndpoint(ep, cfg);
  };
  for (const ep of eps.values()) {
    if (!isTrunk(ep.id) || ep.auth.length > 0) continue;
    if (cfg.pjsip.identifies.some((i) => i.endpoint === ep.id)) continue;
    out.push(
      warning(
        ep.file,
        ep.line,
        `endpoint ${ep.id} is a trunk (${ep.outboundAuth.length > 0 ? "outbound_auth=" : "static contact, no auth="}) but no identify section matches it, so calls from the provider are not recognised as ${ep.id}'s: add [${ep.id}] type=identify, endpoint=${ep.id}, match=<the provider's addresses>`,
      ),
    );
  }
  if (cfg.extensions === undefined) return out;
  const { dialplan } = compileDialplan(cfg.extensions, { isKnownApp: () => true });
  for (const ep of eps.values()) {
    if (!unauthenticated(ep, cfg) || isTrunk(ep.id)) continue;
    const hit = trunkDialFrom(ep.context, dialplan, isTrunk);
    if (!hit) continue;
    const via = hit.context === ep.context ? "" : ` (through include => ${hit.context})`;
    out.push(
      warning(
        ep.file,
        ep.line,
        `endpoint ${ep.id} takes calls without authentication (no auth=, no identify) and its context '${ep.context}' can dial trunk '${hit.trunk}'${via} at ${hit.at.file}:${hit.at.line}: anyone could call out at your expense. Switchboard's toll-fraud gate refuses these calls, but give ${ep.id} an auth= or a context that cannot reach a trunk`,
      ),
    );
  }
  return out;
}
