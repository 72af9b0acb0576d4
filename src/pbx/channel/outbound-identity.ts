/**
 * Who we say is calling, in the INVITE to a dialled endpoint (a trunk, mostly), as Asterisk's
 * res_pjsip_caller_id does it:
 * - From: the caller's name and number at our address; `from_user` replaces the number and
 *   `from_domain` our address (what a provider checks the account by). A caller whose
 *   presentation is restricted is `"Anonymous" <sip:anonymous@anonymous.invalid>` (RFC 3323 §4.1.1.3),
 *   keeping from_user/from_domain when the endpoint has them.
 * - P-Asserted-Identity (RFC 3325 §9.1) with `send_pai=yes`, Remote-Party-ID with `send_rpid=yes`
 *   (`party=calling;privacy=off|full;screen=no`): the real number; for a restricted caller only to an
 *   endpoint with `trust_id_outbound=yes`, with `Privacy: id` (RFC 3325 §9.3).
 * - Contact user: `contact_user`, else the caller's number.
 */
import type { EndpointConfig } from "../../config/index.js";
import { encodeUser } from "../../sip/session/index.js";
import type { CallerId } from "./channel.js";

export interface OutboundIdentity {
  from: { user: string; display: string; host?: string };
  contactUser: string;
  headers: Array<[string, string]>;
}

/** `ourHost` is our address (host:port) toward the endpoint, the host of PAI/RPID without from_domain. */
export function outboundIdentity(ep: EndpointConfig, caller: CallerId, ourHost: string): OutboundIdentity {
  const restricted = caller.restricted === true;
  const num = caller.num || "anonymous";
  const host = ep.fromDomain || undefined;
  const from = restricted
    ? { user: ep.fromUser || "anonymous", display: "Anonymous", host: host ?? "anonymous.invalid" }
    : { user: ep.fromUser || num, display: caller.name, ...(host !== undefined ? { host } : {}) };
  const headers: Array<[string, string]> = [];
  if (!restricted || ep.trustIdOutbound) {
    const id = `${caller.name ? `"${caller.name.replace(/["\\\r\n]/g, "")}" ` : ""}<sip:${encodeUser(num)}@${host ?? ourHost}>`;
    if (ep.sendPai) headers.push(["P-Asserted-Identity", id]);
    if (ep.sendRpid) headers.push(["Remote-Party-ID", `${id};party=calling;privacy=${restricted ? "full" : "off"};screen=no`]);
    if (restricted && (ep.sendPai || ep.sendRpid)) headers.push(["Privacy", "id"]);
  }
  return { from, contactUser: ep.contactUser || caller.num || "switchboard", headers };
}
