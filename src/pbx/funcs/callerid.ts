/**
 * `CALLERID(num|name|all|pres)`: the caller's number and name, readable and writable
 * (`Set(CALLERID(name)=Reception)`); `pres` is the presentation in Asterisk's words
 * (`allowed_not_screened`, `prohib_not_screened`, …): any `prohib*` or `unavailable` restricts it,
 * so only endpoints with `trust_id_outbound=yes` get the number in P-Asserted-Identity.
 */
import type { DialplanFunction, FuncContext } from "./registry.js";

/** Splits `"Name" <num>` (or a bare number) into its parts. */
export function parseCallerIdAll(value: string): { name: string; num: string } {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m !== null) return { name: (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1").trim(), num: (m[3] ?? "").trim() };
  return { name: "", num: value.trim() };
}

const PRESENTATIONS = new Set(["allowed_not_screened", "allowed_passed_screen", "allowed_failed_screen", "allowed", "prohib_not_screened", "prohib_passed_screen", "prohib_failed_screen", "prohib", "unavailable"]);

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
      case "pres":
        return ctx.channel.callerId.restricted === true ? "prohib_not_screened" : "allowed_not_screened";
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
        ctx.channel.callerId = { ...cur, num: value };
        return;
      case "name":
        ctx.channel.callerId = { ...cur, name: value };
        return;
      case "all":
        ctx.channel.callerId = { ...parseCallerIdAll(value), ...(cur.restricted === true ? { restricted: true } : {}) };
        return;
      case "pres": {
        const p = value.trim().toLowerCase();
        if (!PRESENTATIONS.has(p)) {
          ctx.log.warn({ item: value.slice(0, 40) }, `'${value.slice(0, 40)}' is not a valid caller ID presentation value`);
          return;
        }
        ctx.channel.callerId = { num: cur.num, name: cur.name, ...(p.startsWith("prohib") || p === "unavailable" ? { restricted: true } : {}) };
        return;
      }
      default:
        ctx.log.warn({ item: args.slice(0, 40) }, `Unknown callerid data type '${args.slice(0, 40)}'.`);
    }
  },
};
