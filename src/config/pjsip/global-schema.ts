/**
 * `type=global` (or a section named `[global]`): stack-wide settings (reference §1.3).
 */
import { bool, list, oneOf, oneOfList, str, uint } from "../schema/options.js";
import { parseAsteriskBool } from "../schema/values.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";
import { isIP } from "node:net";

const IDENTIFIERS = ["ip", "username", "anonymous", "header", "auth_username", "request_uri"] as const;
const NOT_YET = { implemented: false } as const;

const globalOptions = [
  str("user_agent", "Switchboard", "User-Agent and Server header value."),
  str("default_realm", "asterisk", "Realm used in challenges when an auth has no realm."),
  str("default_from_user", "asterisk", "From user for requests that have no other caller ID.", NOT_YET),
  oneOfList("endpoint_identifier_order", IDENTIFIERS, ["ip", "username", "anonymous"], "Order in which identifiers are tried to find the endpoint of a request."),
  str("debug", "no", "yes, no or an IP address: log SIP messages (to/from that host) at start-up.", {
    ...NOT_YET,
    check: (v) => (parseAsteriskBool(v) !== undefined || isIP(v) !== 0 ? undefined : "use yes, no or an IP address"),
  }),
  uint("keep_alive_interval", 90, "Seconds between CRLF keep-alives on connection-oriented transports; 0 = off.", NOT_YET),
  uint("contact_expiration_check_interval", 30, "Seconds between sweeps that remove expired contacts."),
  uint("max_forwards", 70, "Max-Forwards value for requests we originate.", { ...NOT_YET, min: 1, max: 255 }),
  // The guard (guard.conf max_unknown, findtime) counts unidentified requests instead.
  uint("unidentified_request_count", 5, "Unidentified requests from one address within the period before a security event.", NOT_YET),
  uint("unidentified_request_period", 5, "Seconds of the unidentified request window.", NOT_YET),
  uint("unidentified_request_prune_interval", 30, "Seconds between prunes of the unidentified request table.", NOT_YET),
  str("default_outbound_endpoint", "default_outbound_endpoint", "Endpoint used for out-of-dialog requests with no endpoint.", NOT_YET),
  str("regcontext", "", "Dialplan context where an extension is created for each registered endpoint.", NOT_YET),
  oneOf("taskprocessor_overload_trigger", ["none", "global", "pjsip_only"] as const, "global", "Which task queue overload makes us stop accepting requests.", NOT_YET),
  bool("norefersub", true, "Advertise and honour the norefersub option tag.", NOT_YET),
  bool("allow_sending_180_after_183", false, "Allow a 180 Ringing after a 183 Session Progress.", NOT_YET),
  bool("all_codecs_on_empty_reinvite", false, "Offer all codecs when answering a re-INVITE without SDP.", NOT_YET),
  bool("ignore_uri_user_options", false, "Ignore ;user= options in the user part of URIs.", NOT_YET),
  bool("send_contact_status_on_update_registration", false, "Send a contact status event when a registration is refreshed.", NOT_YET),
  bool("use_callerid_contact", false, "Put the caller ID number in the Contact user.", NOT_YET),
  bool("disable_multi_domain", false, "Ignore the domain when matching endpoints and AORs.", NOT_YET),
  uint("max_initial_qualify_time", 0, "Spread first qualifies over this many seconds; 0 = qualify_frequency.", NOT_YET),
  str("default_voicemail_extension", "", "Voicemail extension used when an endpoint has none.", NOT_YET),
  uint("mwi_tps_queue_high", 500, "MWI task queue high-water mark.", NOT_YET),
  uint("mwi_tps_queue_low", 450, "MWI task queue low-water mark.", NOT_YET),
  bool("mwi_disable_initial_unsolicited", false, "Do not send MWI NOTIFYs at start-up.", NOT_YET),
  list("default_auth_algorithms_uas", "Digest algorithms offered in challenges by default, most preferred first (MD5, SHA-256, SHA-512-256); empty = MD5. Also used for unknown accounts."),
  list("default_auth_algorithms_uac", "Digest algorithms accepted in challenges by default.", NOT_YET),
] as const;

export type GlobalValues = SchemaValues<typeof globalOptions>;
export type GlobalConfig = GlobalValues & ObjectOrigin;

export const globalSchema: ObjectSchema<typeof globalOptions> = {
  type: "global",
  synopsis: "Stack-wide settings (one per pjsip.conf; a section named [global] implies it).",
  options: globalOptions,
};
