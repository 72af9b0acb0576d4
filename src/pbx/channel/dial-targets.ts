/**
 * What a Dial() string names: `PJSIP/<endpoint>` rings every registered (and static) contact of
 * the endpoint's AORs; `PJSIP/<endpoint>/<uri>` calls that URI as the endpoint. Each reachable
 * contact becomes one target; whatever cannot be dialled is logged with what to check.
 */
import type { EndpointConfig } from "../../config/index.js";
import type { Logger } from "../../core/logger.js";
import type { CallContext } from "./call-context.js";

export interface DialTarget {
  /** What followed `PJSIP/` in the dial string (DialBegin's DialString). */
  dialString: string;
  endpoint: EndpointConfig;
  /** The contact URI (Request-URI of our INVITE). */
  uri: string;
  /** Where the contact's REGISTER came from (reached there when the endpoint rewrites contacts). */
  source?: { address: string; port: number; transport: string } | undefined;
}

export function resolveDialTargets(ctx: Pick<CallContext, "directory" | "contacts" | "clock">, log: Logger, targets: readonly string[]): DialTarget[] {
  const dir = ctx.directory();
  const now = ctx.clock.now();
  const resolved: DialTarget[] = [];
  for (const raw of targets) {
    const m = /^PJSIP\/(?:([^@/]+)@)?([^/]+)(?:\/(.+))?$/i.exec(raw.trim());
    if (!m || !m[2]) {
      log.warn({}, `Dial: '${raw}' is not a PJSIP dial string (write PJSIP/<endpoint>)`);
      continue;
    }
    const ep = dir.endpoint(m[2]);
    if (!ep) {
      log.notice({}, `Dial: endpoint '${m[2]}' does not exist (check pjsip.conf)`);
      continue;
    }
    const dialString = raw.trim().slice("PJSIP/".length);
    if (m[3]) {
      resolved.push({ dialString, endpoint: ep, uri: m[3] });
      continue;
    }
    let found = false;
    for (const aorId of ep.aors) {
      for (const c of ctx.contacts.list(aorId)) {
        if (c.expiresAt <= now) continue;
        resolved.push({ dialString, endpoint: ep, uri: c.uri, source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } });
        found = true;
      }
      for (const uri of dir.aors.get(aorId)?.contact ?? []) {
        resolved.push({ dialString, endpoint: ep, uri });
        found = true;
      }
    }
    if (!found) log.notice({ endpoint: ep.id }, `Dial: endpoint '${ep.id}' has no registered or static contacts; is the phone registered? (pjsip show contacts)`);
  }
  return resolved;
}
