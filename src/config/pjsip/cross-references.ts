/**
 * Checks names that pjsip.conf objects use to point at each other. Asterisk only notices a
 * missing AOR or auth when a call or REGISTER fails at run time; we say so at load time.
 */
import type { Diagnostic } from "../diagnostic.js";
import type { PjsipConfigResult } from "./pjsip-config.js";

export function checkCrossReferences(cfg: PjsipConfigResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (file: string, line: number, message: string): void => {
    out.push({ severity: "error", file, line, message });
  };
  const transportIds = new Set(cfg.transports.map((t) => t.id));
  // Two listeners on one protocol/address/port cannot both bind; say so before start-up fails.
  const binds = new Map<string, string>();
  for (const t of cfg.transports) {
    if (t.protocol !== "udp" && t.protocol !== "tcp" && t.protocol !== "tls") continue;
    const key = `${t.protocol} ${t.bind.host.includes(":") ? `[${t.bind.host}]` : t.bind.host}:${t.bind.port}`;
    const other = binds.get(key);
    if (other !== undefined) error(t.file, t.line, `[${t.id}] transport: bind ${key} is already used by transport ${other}; give one of them another port or address`);
    else binds.set(key, t.id);
  }
  for (const ep of cfg.endpoints.values()) {
    const label = `[${ep.id}] endpoint`;
    for (const aor of ep.aors) {
      if (!cfg.aors.has(aor)) error(ep.file, ep.line, `${label}: aors=${ep.aors.join(",")} names aor '${aor}', which does not exist or was not loaded; endpoint ${ep.id} cannot be reached`);
    }
    for (const auth of ep.auth) {
      if (!cfg.auths.has(auth)) error(ep.file, ep.line, `${label}: auth=${ep.auth.join(",")} names auth '${auth}', which does not exist or was not loaded; endpoint ${ep.id} cannot authenticate`);
    }
    for (const auth of ep.outboundAuth) {
      if (!cfg.auths.has(auth)) error(ep.file, ep.line, `${label}: outbound_auth=${ep.outboundAuth.join(",")} names auth '${auth}', which does not exist or was not loaded`);
    }
    if (ep.transport.length > 0 && !transportIds.has(ep.transport)) {
      error(ep.file, ep.line, `${label}: transport=${ep.transport} names a transport that does not exist or was not loaded`);
    }
  }
  for (const id of cfg.identifies) {
    if (id.endpoint.length > 0 && !cfg.endpoints.has(id.endpoint)) {
      error(id.file, id.line, `[${id.id}] identify: endpoint=${id.endpoint} names an endpoint that does not exist or was not loaded`);
    }
  }
  for (const r of cfg.registrations.values()) {
    const label = `[${r.id}] registration`;
    for (const auth of r.outboundAuth) {
      if (!cfg.auths.has(auth)) error(r.file, r.line, `${label}: outbound_auth=${r.outboundAuth.join(",")} names auth '${auth}', which does not exist or was not loaded; challenges from the registrar cannot be answered`);
    }
    if (r.transport.length > 0 && !transportIds.has(r.transport)) error(r.file, r.line, `${label}: transport=${r.transport} names a transport that does not exist or was not loaded`);
    if (r.endpoint.length > 0 && !cfg.endpoints.has(r.endpoint)) error(r.file, r.line, `${label}: endpoint=${r.endpoint} names an endpoint that does not exist or was not loaded`);
    if (r.lineParam && r.endpoint.length === 0) error(r.file, r.line, `${label}: line=yes needs endpoint= (the endpoint that calls arriving through this registration belong to)`);
  }
  return out;
}
