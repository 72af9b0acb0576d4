/**
 * logger.conf `[general]` (reference §4, logger.conf): the stamp, call ids, host names in file
 * names, rotation. `[logfiles]` is not a schema of named options but one line per channel
 * (`messages.log => notice,warning,error`), read by load-logger.ts.
 */
import { bool, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NO_QUEUES = { implemented: false, hint: "Switchboard has no Queue() yet, so there is no queue_log to write" } as const;

const loggerOptions = [
  str("dateformat", "%b %e %T", "strftime(3) pattern of the stamp at the start of each line; %q (or %1q … %6q) adds the fraction of a second, e.g. %F %T.%3q."),
  bool("use_callids", true, "Tag the lines of a call with its call id ([C-00000001]), so one call's lines can be picked out."),
  bool("display_callids", true, "The name Asterisk's code reads for use_callids (the sample file documents use_callids); either one set to no turns call ids off."),
  bool("appendhostname", false, "Append the host name to log file names (messages.log.pbx1), for log directories shared between machines."),
  oneOf("rotatestrategy", ["none", "sequential", "rotate", "timestamp"] as const, "sequential", "What 'logger rotate' (and a reload, for files above 1 GiB) does: none (reopen only, for an outside logrotate), sequential (file.N, the newest has the highest N), rotate (file.0 is the newest, older ones move up), timestamp (file.<seconds since 1970>)."),
  bool("rotatetimestamp", false, "Deprecated (use rotatestrategy): yes means rotatestrategy=timestamp, no means sequential; read only when rotatestrategy is not set, as Asterisk reads it."),
  str("custom_levels", "", "Extra log levels (comma-separated) for the dialplan's Log() to write to and channels to list.", {
    implemented: false,
    hint: "Switchboard has no Log() dialplan application yet, the only writer of custom levels",
  }),
  str("exec_after_rotate", "", "Shell command run after each file is rotated; ${filename} is the archived file (the file itself with rotatestrategy=none)."),
  // Asterisk's default is yes; with no Queue() there is nothing to write, so ours is no and yes is reported.
  bool("queue_log", false, "Write queue_log (Asterisk's default is yes; Switchboard has no queues yet).", NO_QUEUES),
  bool("queue_log_to_file", false, "Write queue_log to a file even with a realtime backend.", NO_QUEUES),
  str("queue_log_name", "queue_log", "File name of queue_log.", NO_QUEUES),
  bool("queue_log_realtime_use_gmt", false, "Stamp realtime queue_log rows in GMT.", NO_QUEUES),
  bool("queue_adaptive_realtime", true, "Add columns to realtime queue_log as needed.", NO_QUEUES),
  uint("logger_queue_limit", 1000, "Messages queued before the logger drops them (Switchboard writes in batches and never queues more than 64 KiB per file).", { implemented: false }),
] as const;

export type LoggerValues = SchemaValues<typeof loggerOptions>;

export const loggerSchema: ObjectSchema<typeof loggerOptions> = {
  type: "general",
  synopsis: "logger.conf [general]: how log lines are stamped and files rotated.",
  options: loggerOptions,
};
