/**
 * The dialplan's view of the call detail record: `CDR(field[,options])` reads a field or a CDR
 * variable and writes userfield, accountcode, amaflags or a variable; `CDR_PROP(disable)=1`
 * leaves the channel's records out; `NoCDR()` and `ResetCDR([v])` as Asterisk keeps them.
 */
import type { AppContext, DialplanApp } from "../apps/registry.js";
import type { DialplanFunction, FuncContext } from "../funcs/registry.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import { AMA_FLAGS, READ_ONLY_FIELDS, readField, type AmaFlags, type CdrRecord, type FieldOptions } from "./cdr-record.js";
import type { CdrEngine } from "./cdr-engine.js";

/** Reads `field[,options]` of a record: a standard field, else a CDR variable. */
export function readCdrFunction(r: CdrRecord, args: string, base: Omit<FieldOptions, "unparsed" | "float">, warn: (m: string) => void): string {
  const [rawName = "", opts = ""] = args.split(",");
  const name = rawName.trim();
  if (name.length === 0) {
    warn("CDR() needs a field name: CDR(field[,options])");
    return "";
  }
  const o: FieldOptions = { ...base, unparsed: opts.includes("u"), float: opts.includes("f") };
  return readField(r, name, o) ?? r.vars.get(name) ?? "";
}

function uniqueidOf(channel: DialplanChannel): string | undefined {
  return channel.vars.get("UNIQUEID");
}

function amaFlag(value: string): AmaFlags | undefined {
  const v = value.trim().toUpperCase();
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1 && n <= 3) return AMA_FLAGS[n - 1];
  return AMA_FLAGS.find((f) => f === v);
}

export interface CdrFunctionDeps {
  readonly engine: () => CdrEngine | undefined;
  readonly now: () => number;
  readonly initiatedSeconds: () => boolean;
}

export function cdrFunction(d: CdrFunctionDeps): DialplanFunction {
  return {
    name: "CDR",
    synopsis: "Gets or sets a CDR variable.",
    read(ctx: FuncContext, args: string): string {
      const id = uniqueidOf(ctx.channel);
      const r = id === undefined ? undefined : d.engine()?.recordOf(id);
      if (r === undefined) return "";
      return readCdrFunction(r, args, { now: d.now(), initiatedSeconds: d.initiatedSeconds() }, (m) => ctx.log.warn({}, m));
    },
    write(ctx: FuncContext, args: string, value: string): void {
      const id = uniqueidOf(ctx.channel);
      const name = (args.split(",")[0] ?? "").trim();
      const r = id === undefined ? undefined : d.engine()?.recordOf(id);
      if (r === undefined) return;
      const lower = name.toLowerCase();
      if (READ_ONLY_FIELDS.has(lower)) {
        ctx.log.warn({ field: lower }, `CDR(${lower}) is read-only; the call detail record sets it itself`);
        return;
      }
      if (lower === "userfield") r.userfield = value;
      else if (lower === "accountcode") r.accountCode = value;
      else if (lower === "amaflags") {
        const f = amaFlag(value);
        if (f === undefined) ctx.log.warn({ value }, `CDR(amaflags)=${value} is not one of OMIT, BILLING, DOCUMENTATION (or 1-3)`);
        else r.amaflags = f;
      } else if (name.length === 0) ctx.log.warn({}, "CDR() needs a field name: CDR(field)=value");
      else if (value.length === 0) r.vars.delete(name);
      else r.vars.set(name, value);
    },
  };
}

export function cdrPropFunction(d: CdrFunctionDeps): DialplanFunction {
  return {
    name: "CDR_PROP",
    synopsis: "Set a property on a channel's CDR.",
    write(ctx: FuncContext, args: string, value: string): void {
      const id = uniqueidOf(ctx.channel);
      const prop = args.trim().toLowerCase();
      if (prop !== "disable") {
        ctx.log.warn({ property: prop }, `CDR_PROP(${prop}) is not implemented; only CDR_PROP(disable) is`);
        return;
      }
      if (id === undefined) return;
      const on = /^(1|yes|true|on)$/i.test(value.trim());
      d.engine()?.setDisabled(id, on);
    },
  };
}

export function noCdrApp(d: CdrFunctionDeps): DialplanApp {
  return {
    name: "NoCDR",
    synopsis: "Tell Asterisk to not maintain a CDR for this channel.",
    syntax: "NoCDR()",
    execute(ctx: AppContext) {
      const id = uniqueidOf(ctx.channel);
      if (id !== undefined) d.engine()?.setDisabled(id, true);
      return Promise.resolve("continue");
    },
  };
}

export function resetCdrApp(d: CdrFunctionDeps): DialplanApp {
  return {
    name: "ResetCDR",
    synopsis: "Resets the Call Data Record.",
    syntax: "ResetCDR([options])",
    execute(ctx: AppContext) {
      const id = uniqueidOf(ctx.channel);
      const r = id === undefined ? undefined : d.engine()?.recordOf(id);
      if (r !== undefined) {
        const now = d.now();
        r.start = now;
        if (r.answer !== undefined || ctx.channel.answered) r.answer = now;
        r.end = undefined;
        if (!(ctx.args[0] ?? "").includes("v")) r.vars.clear();
      }
      return Promise.resolve("continue");
    },
  };
}
