/**
 * `CALLERID(num|name|all)`: the caller's number and name, readable and writable
 * (`Set(CALLERID(name)=Reception)`).
 */
import type { DialplanFunction, FuncContext } from "./registry.js";

/** Splits `"Name" <num>` (or a bare number) into its parts. */
export function parseCallerIdAll(value: string): { name: string; num: string } {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m !== null) return { name: (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1").trim(), num: (m[3] ?? "").trim() };
  return { name: "", num: value.trim() };
}

function formatAll(name: string, num: string): string {
  if (name.length === 0) return num.length === 0 ? "" : `<${num}>`;
  return `"${name}" <${num}>`;
}

export const callerIdFunction: DialplanFunction = {
  name: "CALLERID",
  synopsis: "Gets or sets Caller*ID data on the channel.",
  read(ctx: FuncContext, args: string): string {
    const { num, name } = ctx.channel.callerId;
    switch (args.trim().toLowerCase()) {
      case "num":
      case "number":
        return num;
      case "name":
        return name;
      case "all":
        return formatAll(name, num);
      default:
        ctx.log.warn({ item: args.slice(0, 40) }, `Unknown callerid data type '${args.slice(0, 40)}'.`);
        return "";
    }
  },
  write(ctx: FuncContext, args: string, value: string): void {
    const cur = ctx.channel.callerId;
    switch (args.trim().toLowerCase()) {
      case "num":
      case "number":
        ctx.channel.callerId = { num: value, name: cur.name };
        return;
      case "name":
        ctx.channel.callerId = { num: cur.num, name: value };
        return;
      case "all":
        ctx.channel.callerId = parseCallerIdAll(value);
        return;
      default:
        ctx.log.warn({ item: args.slice(0, 40) }, `Unknown callerid data type '${args.slice(0, 40)}'.`);
    }
  },
};
