/**
 * musiconhold.conf: `[general]` and one section per music class (`[default]`, `[jazz]` …), in
 * Asterisk's option names (res_musiconhold). Only `mode=files` plays: files from `directory`,
 * in `sort` order. The other modes (an external program, a playlist of URLs, mpg123) and the
 * per-class extras (a digit to switch class, an announcement, answered channels only) are
 * accepted and named as not implemented. A `[default]` class that names no directory plays
 * Switchboard's own generated music (pbx/moh/generated-music.ts).
 */
import { bool, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;

/** The modes Asterisk knows; only `files` plays in Switchboard. */
export const MOH_MODES = ["files", "playlist", "custom", "mp3", "quietmp3", "mp3nb", "quietmp3nb"] as const;
export type MohMode = (typeof MOH_MODES)[number];

export const MOH_SORTS = ["alpha", "random", "randstart"] as const;
export type MohSort = (typeof MOH_SORTS)[number];

const generalOptions = [
  bool("preferchannelclass", true, "Prefer the class set with CHANNEL(musicclass) over one an application or the holding phone's moh_suggest asks for."),
  bool("cachertclasses", false, "Keep realtime classes in memory.", { implemented: false, hint: "Switchboard has no realtime music classes" }),
] as const;

export type MohGeneral = SchemaValues<typeof generalOptions>;

export const mohGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "musiconhold.conf [general]: how the class a channel hears is chosen.",
  options: generalOptions,
};

const classOptions = [
  oneOf("mode", MOH_MODES, "files", "How the class makes its music: files plays the sound files of directory. Written without mode=, a class is a files class.", {
    unimplementedValues: ["playlist", "custom", "mp3", "quietmp3", "mp3nb", "quietmp3nb"],
    hint: "convert the music to .wav or .ulaw files in a directory and use mode=files",
  }),
  str("directory", "", "Directory of the class's sound files (wav, ulaw, alaw, sln, sln16, g722; one file in several formats counts once and the format closest to the call's codec is played). Relative to asterisk.conf astdatadir, else /var/lib/asterisk. [default] without a directory plays Switchboard's generated music."),
  oneOf("sort", MOH_SORTS, "alpha", "Order of the files: alpha (alphabetical, as a sorted directory listing), random (shuffled on every round), randstart (alphabetical from a random first file). Asterisk leaves the order undefined without sort=; Switchboard then plays them alphabetically."),
  str("application", "", "Program whose standard output is the music (mode=custom).", NOT_YET),
  str("format", "slin", "Audio format the custom application writes (mode=custom).", NOT_YET),
  str("digit", "", "A key that switches a caller listening to music on hold to this class.", NOT_YET),
  str("announcement", "", "A sound played when the music starts and between files.", NOT_YET),
  bool("loop_last", false, "Repeat the last file instead of starting the list again.", NOT_YET),
  bool("answeredonly", false, "Play only to answered channels.", NOT_YET),
  uint("kill_escalation_delay", 500, "Milliseconds between the signals that end a custom application.", NOT_YET),
  oneOf("kill_method", ["process_group", "process"] as const, "process_group", "Whether the signals go to the custom application's process group or the process alone.", NOT_YET),
  str("entry", "", "One file or HTTP(S) URL of a mode=playlist class; repeatable.", NOT_YET),
] as const;

export type MohClassValues = SchemaValues<typeof classOptions>;

export const mohClassSchema: ObjectSchema<typeof classOptions> = {
  type: "class",
  synopsis: "musiconhold.conf [<class name>]: one music on hold class.",
  options: classOptions,
};
