/**
 * guard.conf `[general]`: the built-in brute-force and scanner protection (the guard). Every
 * option is documented here once; configs/samples/guard.conf.sample is generated from this list.
 * Without a guard.conf every default below applies, so a fresh install is protected.
 *
 * Option names follow fail2ban's where the meaning is the same (bantime, findtime, maxretry,
 * bantime.factor/maxtime become bantime_factor/bantime_max), so operators recognise them.
 */
import { bool, float, list, str, uint, cidrList } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

/**
 * User-Agent substrings (matched case-insensitively) of SIP scanners and attack tools. Tools a
 * legitimate operator runs against their own PBX (sipsak, SIPp) are deliberately absent: an
 * administrator debugging with them would lock themselves out.
 */
export const DEFAULT_SCANNER_USER_AGENTS: readonly string[] = [
  "friendly-scanner",
  "sipvicious",
  "sipcli",
  "pplsip",
  "VaxSIPUserAgent",
  "sip-scan",
  "iWar",
  "SIVuS",
  "sundayddr",
  "SIPScan",
  "siparmyknife",
  "smap",
  "Gulp",
  "VoIPSec",
  "PortSIP VoIP SDK 11",
  "sipsscuser",
];

/** Usernames that no real user has and that scanners try first. */
export const DEFAULT_DECOYS: readonly string[] = ["admin", "administrator", "test", "guest", "root", "100", "1000", "1234", "12345", "sipvicious"];

/** `INVITE:2` items of method_weights. */
const METHOD_WEIGHT = /^[A-Za-z]+:\d+(?:\.\d+)?$/;

function checkRegexes(items: string[]): string | undefined {
  for (const p of items) {
    try {
      new RegExp(p, "i");
    } catch (err) {
      return `'${p}' is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}

/** nft names go on a command line (as separate argv items, never through a shell); keep them plain. */
function checkNftName(name: string): string | undefined {
  return /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/.test(name) ? undefined : "use a plain name of letters, digits, _ and - (at most 32 characters)";
}

const guardOptions = [
  bool("enabled", true, "Switch the guard on or off. Off: no bans, no rate limits (security.log is still written)."),
  uint("bantime", 3600, "Seconds a first ban lasts; repeat offenders get longer bans (bantime_factor).", { min: 1 }),
  uint("findtime", 600, "Sliding window (s) in which failures and unknown-account requests are counted.", { min: 1 }),
  uint("maxretry", 5, "Failed authentications for one username from one address, within findtime, that ban that (address, username).", { min: 1 }),
  uint("max_users_per_ip", 3, "Distinct usernames failing from one address within findtime that ban the whole address.", { min: 1 }),
  uint("max_unknown", 5, "Distinct usernames of accounts that do not exist, tried from one address within findtime, that ban the address.", { min: 1 }),
  uint("rate_limit", 50, "Weighted SIP requests per second one address may send on average (token bucket); 0 = no limit."),
  uint("rate_burst", 100, "Requests one address may send at once above rate_limit (bucket size).", { min: 1 }),
  list("method_weights", "Token cost of a request per method, as METHOD:weight items (e.g. INVITE:2,OPTIONS:0.5); unlisted methods cost 1.", {
    repeat: "append",
    check: (items) => items.find((i) => !METHOD_WEIGHT.test(i)) === undefined ? undefined : "write METHOD:weight items, e.g. INVITE:2",
  }),
  uint("packet_rate_limit", 500, "Packets per second one address may send, counted before parsing (catches garbage floods); 0 = no limit."),
  uint("packet_burst", 1000, "Packets one address may send at once above packet_rate_limit.", { min: 1 }),
  float("bantime_factor", 4, "Each repeat ban within recidive_window lasts this many times longer than the previous one.", { min: 1 }),
  uint("bantime_max", 604800, "Longest ban (s) escalation may reach.", { min: 1 }),
  uint("recidive_window", 604800, "How long (s) past bans count towards escalation.", { min: 1 }),
  uint("trust_time", 3600, "After a successful authentication, an address is trusted this long (s): auth failures then only ban (address, username), never the whole address. 0 = no trust."),
  cidrList("whitelist", "Networks (CIDR) never banned and never rate-limited: trunks, admin networks. Repeatable."),
  bool("ban_local_net", false, "Also ban addresses inside a transport's local_net (by default they are never banned)."),
  bool("scanner_builtin", true, "Use the built-in list of scanner User-Agents (friendly-scanner, sipvicious, sipcli, pplsip, VaxSIPUserAgent …)."),
  list("scanner_user_agents", "More User-Agent substrings (case-insensitive) that ban on sight, added to the built-in list. Repeatable.", { repeat: "append" }),
  list("scanner_uri_patterns", "Regular expressions (case-insensitive) matched against the user part of the From and To URIs; a match bans on sight. One per line, repeatable.", {
    repeat: "append",
    separator: /\n/,
    check: checkRegexes,
  }),
  {
    ...list("decoys", "Trap usernames (comma list): a request using one as From, To or digest username, when no such account exists, bans at once. Empty: no decoys.", { repeat: "replace" }),
    default: [...DEFAULT_DECOYS],
    defaultText: DEFAULT_DECOYS.join(","),
  },
  // Toll fraud: calls out through trunks (pbx/toll-fraud). On whatever `enabled` says.
  bool("tollfraud", true, "Refuse calls to trunks from callers that neither authenticated nor matched an identify, over the limits below, or to international numbers not allowed."),
  list("trunks", "Endpoints that are trunks besides those found on their own (an outbound_auth=, an identify section, or an AOR with a static contact and no auth=). Comma list, repeatable.", { repeat: "append" }),
  uint("trunk_calls_per_endpoint", 4, "Calls one endpoint may have out through trunks at once; 0 = no limit."),
  uint("trunk_cpm_per_endpoint", 10, "Calls one endpoint may start through trunks per minute; 0 = no limit."),
  uint("trunk_calls_per_trunk", 30, "Calls out through one trunk at once; 0 = no limit."),
  uint("trunk_cpm_per_trunk", 60, "Calls started through one trunk per minute; 0 = no limit."),
  {
    ...list("international_prefixes", "Dialled-number prefixes (Request-URI user of the call to the trunk) that make a call international. Comma list.", { repeat: "replace" }),
    default: ["00", "011", "+"],
    defaultText: "00,011,+",
  },
  list("international_allowed", "Endpoints allowed to call international numbers through trunks (comma list; * = every endpoint that authenticated). Empty: nobody.", { repeat: "append" }),
  bool("security_log", true, "Write security.log in the data directory in Asterisk's SecurityEvent format (for fail2ban and SIEMs)."),
  bool("nftables", false, "Mirror bans into an nftables set via the nft command (needs CAP_NET_ADMIN); in-process enforcement stays on."),
  str("nft_table", "switchboard", "nftables table (family inet) the guard creates and owns.", { check: checkNftName }),
  str("nft_set", "banned", "Name of the IPv4 set in nft_table; the IPv6 set is this name with '6' appended.", { check: checkNftName }),
] as const;

export type GuardValues = SchemaValues<typeof guardOptions>;

export const guardSchema: ObjectSchema<typeof guardOptions> = {
  type: "general",
  synopsis: "Brute-force and scanner protection: thresholds, ban durations, whitelist, signatures, decoys.",
  options: guardOptions,
};
