/**
 * The call detail record files: cdr.conf (`[general]`: whether and which calls are recorded;
 * `[csv]`: the Master.csv backend), cdr_manager.conf (`[general] enabled`: the AMI Cdr event) and
 * cdr_sqlite3_custom.conf (`[master]`: a row per call in an SQLite table). Defaults are
 * Asterisk's (main/cdr.c, cdr_csv, cdr_manager, cdr_sqlite3_custom): records on, unanswered
 * calls with only one party left out, the CSV backend only when cdr.conf has a `[csv]` section,
 * the Cdr event off.
 */
import { bool, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const ONLY_SIMPLE = { implemented: false, hint: "each record is written when its call ends (simple mode)" } as const;

const generalOptions = [
  bool("enable", true, "Keep call detail records at all."),
  bool("unanswered", false, "Also record unanswered calls that never reached a second party (every ring of a parallel Dial gets its own record too)."),
  bool("congestion", false, "Record a call that failed for congestion with the disposition CONGESTION instead of FAILED."),
  bool("endbeforehexten", false, "End the record when the channel hangs up, before the h extension runs, so end and billsec can be read there."),
  bool("initiatedseconds", false, "Round billsec: half a second or more left over after the whole seconds counts as one more."),
  bool("channeldefaultenabled", true, "Record every channel unless the dialplan says CDR_PROP(disable)=1; no records only channels that set CDR_PROP(disable)=0."),
  bool("batch", false, "Collect records and write them in batches.", ONLY_SIMPLE),
  uint("size", 100, "Records per batch (batch=yes).", ONLY_SIMPLE),
  uint("time", 300, "Seconds between batches (batch=yes).", ONLY_SIMPLE),
  bool("scheduleronly", false, "Write batches from the scheduler thread (batch=yes).", ONLY_SIMPLE),
  bool("safeshutdown", true, "Write the pending batch at shutdown (batch=yes).", ONLY_SIMPLE),
  bool("debug", false, "Log every step of the record state machine.", { implemented: false, hint: "records are logged at debug level as they are written" }),
  bool("ignorestatechanges", false, "Do not start a new record when a bridged channel's state changes.", { implemented: false, hint: "bridge and state changes never split a record" }),
  bool("ignoredialchanges", false, "Do not start a new record for each Dial.", { implemented: false, hint: "each Dial after a finished one starts a record" }),
] as const;

export type CdrGeneral = SchemaValues<typeof generalOptions>;

export const cdrGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "cdr.conf [general]: whether call detail records are kept and which calls get one.",
  options: generalOptions,
};

const csvOptions = [
  bool("usegmtime", false, "Write start, answer and end in UTC instead of local time."),
  bool("loguniqueid", false, "Add the channel's uniqueid as a column after amaflags."),
  bool("loguserfield", false, "Add the userfield (CDR(userfield)) as a column after amaflags (and uniqueid)."),
  bool("accountlogs", true, "Also write each record with an account code to cdr-csv/<accountcode>.csv."),
  bool("newcdrcolumns", false, "Add the columns peeraccount, linkedid and sequence at the end."),
] as const;

export type CdrCsv = SchemaValues<typeof csvOptions>;

export const cdrCsvSchema: ObjectSchema<typeof csvOptions> = {
  type: "csv",
  synopsis: "cdr.conf [csv]: the CSV backend, cdr-csv/Master.csv in the data directory (on when the section exists).",
  options: csvOptions,
};

const managerOptions = [bool("enabled", false, "Send each record as an AMI Cdr event (class cdr).")] as const;

export type CdrManagerGeneral = SchemaValues<typeof managerOptions>;

export const cdrManagerSchema: ObjectSchema<typeof managerOptions> = {
  type: "general",
  synopsis: "cdr_manager.conf [general]: whether records are sent as AMI Cdr events.",
  options: managerOptions,
};

const sqliteOptions = [
  str("table", "cdr", "The table each record becomes a row of (created when missing, with an AcctId key and the columns)."),
  str("columns", "", "The table's columns, comma separated, in the order of values."),
  str("values", "", "One value per column, comma separated, usually quoted dialplan text such as '${CDR(clid)}'; ${CDR(...)} reads the record."),
  uint("busy_timeout", 1000, "Milliseconds a write waits for a lock held by another connection to the database."),
] as const;

export type CdrSqliteMaster = SchemaValues<typeof sqliteOptions>;

export const cdrSqliteSchema: ObjectSchema<typeof sqliteOptions> = {
  type: "master",
  synopsis: "cdr_sqlite3_custom.conf [master]: a row per record in master.db in the data directory.",
  options: sqliteOptions,
};
