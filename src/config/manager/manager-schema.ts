/**
 * manager.conf: the Asterisk Manager Interface (AMI). `[general]` says whether and where it
 * listens; every other section is a manager user with its secret, address rules and the classes
 * it may read (events) and write (actions). Defaults are Asterisk's (main/manager.c): AMI off,
 * port 5038 on 0.0.0.0, TLS on 5039 when enabled, 30 s to log in, 50 unauthenticated sessions.
 */
import { aclRules, bool, list, oneOf, oneOfList, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;
const NO_HTTP = { implemented: false, hint: "AMI is served over TCP and TLS, not over HTTP" } as const;

/** AMI's permission classes (manager.h), as read= and write= name them. */
export const MANAGER_CLASSES = [
  "system",
  "call",
  "log",
  "verbose",
  "command",
  "agent",
  "user",
  "config",
  "dtmf",
  "reporting",
  "cdr",
  "dialplan",
  "originate",
  "agi",
  "cc",
  "aoc",
  "test",
  "security",
  "message",
] as const;
export type ManagerClass = (typeof MANAGER_CLASSES)[number];

const generalOptions = [
  bool("enabled", false, "Listen for AMI connections at all (off unless turned on)."),
  bool("webenabled", false, "Serve AMI over HTTP (/manager, /rawman, /mxml) through http.conf.", NO_HTTP),
  uint("port", 5038, "TCP port AMI listens on.", { min: 1, max: 65535 }),
  str("bindaddr", "0.0.0.0", "Address AMI listens on. Switchboard refuses a non-loopback address unless every user has a permit list."),
  bool("tlsenable", false, "Also listen for AMI over TLS (tlsbindaddr, tlscertfile, tlsprivatekey)."),
  str("tlsbindaddr", "0.0.0.0:5039", "Address and port of the TLS listener (the port defaults to 5039)."),
  str("tlscertfile", "", "Certificate (PEM) of the TLS listener; it may also hold the private key."),
  str("tlsprivatekey", "", "Private key (PEM) of the TLS listener; when empty it is read from tlscertfile."),
  str("tlscipher", "", "OpenSSL cipher list of the TLS listener (empty: Node's default)."),
  bool("allowmultiplelogin", true, "Let one user be logged in from several sessions at once; no refuses a second login."),
  bool("displayconnects", true, "Log each manager login and logoff (verbose level 2 and NOTICE for failures)."),
  bool("timestampevents", false, "Add a Timestamp: header (Unix time with microseconds) to every event."),
  bool("brokeneventsaction", false, "Restore an old Events action that did not always answer.", NOT_YET),
  list("channelvars", "Channel variables added as ChanVariable: name=value (and DestChanVariable for the dialled channel) to every channel event."),
  bool("debug", false, "Debugging details in AMI messages.", NOT_YET),
  uint("authtimeout", 30, "Seconds a new connection has to log in before it is closed.", { min: 1 }),
  uint("authlimit", 50, "Unauthenticated sessions allowed at once; further connections are closed at once.", { min: 1 }),
  uint("httptimeout", 60, "Lifetime of an AMI-over-HTTP session.", NO_HTTP),
  oneOf("command_output", ["output", "follows"] as const, "output", "Switchboard: how the Command action returns console output: output (Output: lines, Asterisk 14 and later) or follows (Response: Follows … --END COMMAND--, Asterisk 13 and older, for old clients)."),
] as const;

export type ManagerGeneral = SchemaValues<typeof generalOptions>;

export const managerGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "manager.conf [general]: whether and where the Asterisk Manager Interface listens.",
  options: generalOptions,
};

const CLASS_VALUES = ["all", "none", ...MANAGER_CLASSES] as const;

const userOptions = [
  str("secret", "", "The user's password (plain; also used for the MD5 challenge login)."),
  aclRules("deny", "deny", "Networks this user may not log in from (with permit=, in file order; the last matching line decides).", { key: "permit" }),
  aclRules("permit", "permit", "Networks this user may log in from (with deny=, in file order; the last matching line decides)."),
  list("acl", "Named ACLs (acl.conf) this user's address must pass too, each of them (a name acl.conf does not define refuses every login).", { repeat: "append" }),
  list("setvar", "Channel variables (NAME=value) set on calls this user originates.", { repeat: "append", separator: /\s*\n\s*/ }),
  list("eventfilter", "A regular expression run on each event's text: events matching no filter are not sent; a leading ! makes it a filter that drops what matches.", { repeat: "append", separator: /\s*\n\s*/ }),
  oneOfList("read", CLASS_VALUES, [], "Classes of events the user receives (and of actions it may read with), comma separated; all for every class."),
  oneOfList("write", CLASS_VALUES, [], "Classes of actions the user may send, comma separated; all for every class."),
  uint("writetimeout", 100, "Milliseconds a write to this user's connection may block before the connection is closed.", { min: 100 }),
  bool("displayconnects", true, "Log this user's logins and logoffs ([general] displayconnects must be on too)."),
  bool("allowmultiplelogin", true, "Let this user log in from several sessions at once ([general] allowmultiplelogin must be on too)."),
] as const;

export type ManagerUserValues = SchemaValues<typeof userOptions>;

export const managerUserSchema: ObjectSchema<typeof userOptions> = {
  type: "user",
  synopsis: "manager.conf user section: one AMI login, its secret, address rules and permissions.",
  options: userOptions,
};
