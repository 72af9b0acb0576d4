/**
 * What a Dial() string names, as chan_pjsip reads it (`PJSIP/[user@]endpoint[/uri]`):
 * `PJSIP/<endpoint>` rings every registered (and static) contact of the endpoint's AORs;
 * `PJSIP/<user>@<endpoint>` does the same with `user` as the user part of each contact's URI (and
 * so of the Request-URI and To: a number at a trunk); `PJSIP/<endpoint>/<uri>` calls that URI as
 * the endpoint. Each reachable contact becomes one target; whatever cannot be dialled is logged
 * with what to check.
 */
import { encodeUser } from "../../sip/session/index.js";
import { formatUri, parseUri } from "../../sip/parser/index.js";
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
    const user = m[1];
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
        resolved.push({ dialString, endpoint: ep, uri: withUser(c.uri, user), source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } });
        found = true;
      }
      for (const uri of dir.aors.get(aorId)?.contact ?? []) {
        resolved.push({ dialString, endpoint: ep, uri: withUser(uri, user) });
        found = true;
      }
    }
    if (!found) log.notice({ endpoint: ep.id }, `Dial: endpoint '${ep.id}' has no registered or static contacts; is the phone registered? (pjsip show contacts)`);
  }
  return resolved;
}

/** The contact URI with `user` as its user part (chan_pjsip's request user); unchanged without one. */
export function withUser(uri: string, user: string | undefined): string {
  if (user === undefined || user === "") return uri;
  const u = parseUri(uri);
  if (!u || (u.scheme !== "sip" && u.scheme !== "sips")) return uri;
  return formatUri({ ...u, user: encodeUser(user), password: undefined });
}
