/**
 * Call detail records as a module: the engine listens to the call layer's events, and each
 * finished record goes to the backends the configuration turns on — Master.csv (cdr.conf
 * `[csv]`), the AMI Cdr event (cdr_manager.conf) and an SQLite table (cdr_sqlite3_custom.conf).
 * It registers CDR(), CDR_PROP(), NoCDR(), ResetCDR() and `cdr show status`. A backend that
 * fails to write logs an error naming the file and the fix; the call is not affected.
 */
import type { CdrConfig } from "../../config/index.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { CdrFields } from "../events.js";
import { CDR_INPUT_EVENTS, CdrEngine, type FinishedCdr } from "./cdr-engine.js";
import { registerCdrCommands } from "./cdr-commands.js";
import { cdrFunction, cdrPropFunction, noCdrApp, resetCdrApp } from "./cdr-functions.js";
import { formatCdrTime } from "./cdr-record.js";
import { CsvBackend } from "./csv-backend.js";
import { SqliteBackend } from "./sqlite-backend.js";

/** The applications this module registers, by name (for `switchboard check`). */
export const CDR_APP_NAMES = ["NoCDR", "ResetCDR"] as const;

/** The Cdr event of a finished record. */
export function cdrEventFields(f: FinishedCdr, initiatedSeconds: boolean): CdrFields {
  const r = f.record;
  const end = r.end ?? r.start;
  return {
    AccountCode: r.accountCode,
    Source: r.callerIdNum,
    Destination: r.dst,
    DestinationContext: r.dcontext,
    CallerID: r.clid,
    Channel: r.channel,
    DestinationChannel: r.b?.channel ?? "",
    LastApplication: r.lastapp,
    LastData: r.lastdata,
    StartTime: formatCdrTime(r.start),
    AnswerTime: formatCdrTime(r.answer),
    EndTime: formatCdrTime(r.end),
    Duration: r.duration(end),
    BillableSeconds: r.billsec(end, initiatedSeconds),
    Disposition: f.disposition,
    AMAFlags: r.amaflags,
    UniqueID: r.uniqueid,
    UserField: r.userfield,
  };
}

/** The backends a configuration turns on, by the names `cdr show status` lists. */
export function backendNames(c: CdrConfig): string[] {
  return [...(c.csv !== undefined ? ["csv"] : []), ...(c.managerEnabled ? ["cdr_manager"] : []), ...(c.sqlite !== undefined ? ["sqlite3_custom"] : [])];
}

export class CdrModule implements SwitchboardModule {
  readonly name = "cdr";
  readonly provides = [
    { name: "cdr_csv.so", description: "Comma Separated Values CDR Backend" },
    { name: "cdr_manager.so", description: "Asterisk Manager Interface CDR Backend" },
    { name: "cdr_sqlite3_custom.so", description: "SQLite3 Custom CDR Module" },
    { name: "func_cdr.so", description: "Call Detail Record (CDR) dialplan functions" },
  ];
  readonly configFiles = [{ file: "cdr.conf" }, { file: "cdr_manager.conf" }, { file: "cdr_sqlite3_custom.conf" }];
  readonly emits = ["Cdr"];
  private engine: CdrEngine | undefined;
  private sqlite: SqliteBackend | undefined;

  /** The engine, for tests and the console; undefined before start. */
  get records(): CdrEngine | undefined {
    return this.engine;
  }

  start(ctx: PbxModuleContext): void {
    const log = ctx.log.child({ category: "pbx.cdr" });
    const config = (): CdrConfig => ctx.config().cdr;
    const csv = new CsvBackend(ctx.dataDir);
    const sqlite = new SqliteBackend(ctx.dataDir, log);
    this.sqlite = sqlite;
    const failing = new Set<string>();
    const attempt = (backend: string, f: FinishedCdr, write: () => void): void => {
      try {
        write();
        if (failing.delete(backend)) log.notice({ backend }, `CDR backend ${backend} writes again`);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // One error per failing backend until it works again, not one per call.
        if (!failing.has(backend)) log.error({ backend, channel: f.record.channel }, `CDR backend ${backend}: the record of ${f.record.channel} was not written: ${why}`);
        failing.add(backend);
      }
    };
    const engine = new CdrEngine({
      config,
      now: () => ctx.clock.now(),
      log,
      write: (f) => {
        const c = config();
        const initiated = c.general.initiatedseconds;
        if (log.wants("debug")) log.debug({ channel: f.record.channel, dstchannel: f.record.b?.channel ?? "", disposition: f.disposition }, `CDR for ${f.record.channel} written (${f.disposition})`);
        const csvSettings = c.csv;
        if (csvSettings !== undefined) attempt("csv", f, () => csv.write(f, csvSettings, initiated));
        if (c.managerEnabled) attempt("cdr_manager", f, () => ctx.events.emit("Cdr", cdrEventFields(f, initiated)));
        const sq = c.sqlite;
        if (sq !== undefined) attempt("sqlite3_custom", f, () => sqlite.write(f, sq, initiated));
      },
    });
    this.engine = engine;
    // Calls are followed only while records are kept and some backend writes them, so a PBX
    // without CDRs builds no event payloads for them; `core reload` re-decides.
    let offs: Array<() => void> | undefined;
    this.apply = () => {
      const c = config();
      const wanted = c.general.enable && backendNames(c).length > 0;
      if (wanted && offs === undefined) offs = CDR_INPUT_EVENTS.map((name) => ctx.events.on(name, (p) => engine.handle(name, p)));
      if (!wanted && offs !== undefined) {
        for (const off of offs) off();
        offs = undefined;
        // Calls in progress will never finish here: forget them rather than keep them for ever.
        engine.clear();
      }
    };
    this.apply();
    ctx.defer(() => {
      for (const off of offs ?? []) off();
      offs = undefined;
    });
    const deps = { engine: () => this.engine, now: () => ctx.clock.now(), initiatedSeconds: () => config().general.initiatedseconds };
    ctx.funcs.register(cdrFunction(deps));
    ctx.funcs.register(cdrPropFunction(deps));
    ctx.apps.register(noCdrApp(deps));
    ctx.apps.register(resetCdrApp(deps));
    for (const undo of registerCdrCommands(ctx.commands, { config, backends: () => backendNames(config()) })) ctx.defer(undo);
  }

  private apply: () => void = () => {};

  reload(): void {
    this.apply();
  }

  stop(): void {
    this.sqlite?.close();
    this.sqlite = undefined;
    this.engine = undefined;
  }
}
