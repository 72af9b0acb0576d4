/**
 * asterisk.conf: `[directories]` (where Asterisk keeps its data) and `[options]`. Switchboard
 * reads the two directories it has a use for, `astdatadir` (its `sounds/` holds Asterisk's
 * prompts, e.g. Debian's asterisk-core-sounds-en-wav under /usr/share/asterisk) and `astspooldir`
 * (voicemail lives in its `voicemail/`, MixMonitor's recordings in its `monitor/`), and `defaultlanguage`. Everything else is declared, so a
 * copied asterisk.conf loads with one note per option that does nothing here.
 */
import { bool, str } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const DIR_HINT = { implemented: false, hint: "Switchboard keeps its files under its data directory (--data-dir) and reads its configuration from -C" } as const;

const directoryOptions = [
  str("astdatadir", "", "Asterisk's data directory; Switchboard plays the prompts in its sounds/<language>/ before its own."),
  str("astspooldir", "", "Asterisk's spool directory; voicemail is kept in its voicemail/ and MixMonitor writes relative file names in its monitor/ (default: voicemail/ and monitor/ in the data directory)."),
  str("astetcdir", "/etc/asterisk", "Configuration directory.", DIR_HINT),
  str("astmoddir", "/usr/lib/asterisk/modules", "Module directory.", { implemented: false, hint: "Switchboard's modules are built in" }),
  str("astvarlibdir", "/var/lib/asterisk", "Variable data directory.", DIR_HINT),
  str("astdbdir", "/var/lib/asterisk", "AstDB directory.", DIR_HINT),
  str("astkeydir", "/var/lib/asterisk", "Key directory.", DIR_HINT),
  str("astagidir", "/var/lib/asterisk/agi-bin", "AGI scripts.", { implemented: false, hint: "Switchboard has no AGI" }),
  str("astrundir", "/var/run/asterisk", "Control socket and PID file.", DIR_HINT),
  str("astlogdir", "/var/log/asterisk", "Log directory.", DIR_HINT),
  str("astsbindir", "/usr/sbin", "Where the asterisk binary is.", DIR_HINT),
  str("astcachedir", "/var/cache/asterisk", "Cache directory.", DIR_HINT),
] as const;

const NOT_HERE = { implemented: false } as const;

const optionOptions = [
  str("defaultlanguage", "en", "Language of prompts for channels whose endpoint sets none."),
  bool("languageprefix", true, "Sound paths put the language first (sounds/<language>/<name>); Switchboard only looks there.", { implemented: false, hint: "only the language-first layout (yes) is read" }),
  str("verbose", "0", "Console verbosity at start.", { implemented: false, hint: "use switchboard start -v / core set verbose" }),
  str("debug", "0", "Debug level at start.", { implemented: false, hint: "use core set debug" }),
  bool("timestamp", false, "Timestamps on verbose console output.", NOT_HERE),
  bool("execincludes", false, "Allow #exec in configuration files.", { implemented: false, hint: "Switchboard never runs #exec" }),
  bool("highpriority", false, "Run with realtime priority.", NOT_HERE),
  bool("initcrypto", false, "Load keys at start.", NOT_HERE),
  bool("nocolor", false, "No colours on the console.", NOT_HERE),
  bool("dontwarn", false, "Hide some warnings.", NOT_HERE),
  bool("dumpcore", false, "Dump core on a crash.", NOT_HERE),
  bool("cache_record_files", false, "Record to a cache directory first.", { implemented: false, hint: "recordings are always written to a temporary file and renamed into place" }),
  str("record_cache_dir", "", "Where cache_record_files records.", NOT_HERE),
  bool("transcode_via_sln", true, "Transcode through signed linear.", { implemented: false, hint: "Switchboard always transcodes through linear audio" }),
  bool("transmit_silence", false, "Send silence RTP while recording or in the dialplan.", NOT_HERE),
  str("maxcalls", "", "Maximum concurrent calls.", NOT_HERE),
  str("maxload", "", "Refuse calls above this load average.", NOT_HERE),
  str("minmemfree", "", "Refuse calls below this much free memory (MB).", NOT_HERE),
  str("systemname", "", "Prefix of unique ids.", NOT_HERE),
  str("runuser", "", "User to run as.", NOT_HERE),
  str("rungroup", "", "Group to run as.", NOT_HERE),
  bool("lightbackground", false, "Console colours for a light background.", NOT_HERE),
  bool("forceblackbackground", false, "Force a black console background.", NOT_HERE),
  bool("hideconnect", false, "Hide remote console connect messages.", NOT_HERE),
  bool("lockconfdir", false, "Lock the config directory while reading.", NOT_HERE),
  bool("stdexten", false, "Macro-based stdexten.", NOT_HERE),
  str("live_dangerously", "no", "Allow dangerous functions from external protocols.", NOT_HERE),
  str("entityid", "", "The system's entity id (MAC-like).", NOT_HERE),
  bool("rtp_use_dynamic", true, "Use the dynamic RTP payload type range.", NOT_HERE),
  str("rtp_pt_dynamic", "35", "First dynamic RTP payload type.", NOT_HERE),
  bool("sendfullybooted", true, "Send the FullyBooted AMI event.", NOT_HERE),
  bool("autosystemname", false, "Use the host name as systemname.", NOT_HERE),
  bool("disable_remote_console_shell", false, "No shell from the remote console.", NOT_HERE),
] as const;

export type AsteriskDirectories = SchemaValues<typeof directoryOptions>;
export type AsteriskOptions = SchemaValues<typeof optionOptions>;

export const asteriskDirectoriesSchema: ObjectSchema<typeof directoryOptions> = {
  type: "directories",
  synopsis: "asterisk.conf [directories]: where Asterisk keeps its files.",
  options: directoryOptions,
};

export const asteriskOptionsSchema: ObjectSchema<typeof optionOptions> = {
  type: "options",
  synopsis: "asterisk.conf [options]: how Asterisk runs.",
  options: optionOptions,
};
