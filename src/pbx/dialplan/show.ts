/**
 * `dialplan show` output in Asterisk's layout:
 *
 *   [ Context 'internal' created by 'pbx_config' ]
 *     '600' =>          1. Answer()                                   [extensions.conf:6]
 *                       2. Echo()                                     [extensions.conf:7]
 *     Include =>        'other'                                       [pbx_config]
 *
 *   -= 1 extension (2 priorities) in 1 context. =-
 */
import { basename } from "node:path";
import { matchPattern } from "./pattern.js";
import type { Dialplan, DialplanContext, DialplanExtension } from "./types.js";

function row(first: string, second: string, registrar: string): string {
  return `  ${first.padEnd(17)} ${second.padEnd(45)} [${registrar}]`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function extensionTitle(ext: DialplanExtension): string {
  return ext.cidMatch === undefined ? `'${ext.name}' =>` : `'${ext.name}' (CID match '${ext.cidMatch}') =>`;
}

/** Lines for one extension: the hint first, then priorities; later priorities show their label. */
function extensionLines(ext: DialplanExtension): { lines: string[]; priorities: number } {
  const lines: string[] = [];
  let first = extensionTitle(ext);
  if (ext.hint !== undefined) {
    lines.push(row(first, `hint: ${ext.hint.devices}`, `${basename(ext.hint.file)}:${ext.hint.line}`));
    first = "";
  }
  for (const p of ext.priorities) {
    const title = first.length > 0 ? first : p.label !== undefined ? `   [${p.label}]` : "";
    lines.push(row(title, `${p.priority}. ${p.app}(${p.appData})`, `${basename(p.file)}:${p.line}`));
    first = "";
  }
  return { lines, priorities: ext.priorities.length + (ext.hint !== undefined ? 1 : 0) };
}

function extensionShown(ext: DialplanExtension, exten: string | undefined): boolean {
  if (exten === undefined) return true;
  return ext.name === exten || (ext.pattern !== undefined && matchPattern(ext.pattern, exten));
}

interface ShowTotals {
  extensions: number;
  priorities: number;
  contexts: number;
}

function showContext(dp: Dialplan, ctx: DialplanContext, exten: string | undefined, included: boolean, recurse: boolean, seen: Set<string>, out: string[], totals: ShowTotals): void {
  if (seen.has(ctx.name)) return;
  seen.add(ctx.name);
  const body: string[] = [];
  let found = 0;
  for (const ext of ctx.extensions) {
    if (!extensionShown(ext, exten)) continue;
    const { lines, priorities } = extensionLines(ext);
    body.push(...lines);
    found++;
    totals.priorities += priorities;
  }
  for (const inc of ctx.includes) {
    const text = inc.timing === undefined ? `'${inc.context}'` : `'${inc.context}|${inc.timing}'`;
    if (exten === undefined) body.push(`  Include =>        ${text.padEnd(45)} [pbx_config]`);
  }
  for (const pat of ctx.ignorePatterns) {
    if (exten === undefined) body.push(`  Ignore pattern => ${`'${pat}'`.padEnd(45)} [pbx_config]`);
  }
  if (exten === undefined || found > 0) {
    out.push(`[ ${included ? "Included context" : "Context"} '${ctx.name}' created by 'pbx_config' ]`, ...body, "");
    totals.contexts++;
    totals.extensions += found;
  }
  // Listing every context shows each once; asking for one context follows its includes.
  if (!recurse) return;
  for (const inc of ctx.includes) {
    const sub = dp.contexts.get(inc.context);
    if (sub !== undefined) showContext(dp, sub, exten, true, true, seen, out, totals);
  }
}

/**
 * Renders `dialplan show [[exten@]context]`. `target` is the argument as typed (may be empty).
 */
export function renderDialplanShow(dp: Dialplan, target: string): string {
  let exten: string | undefined;
  let context: string | undefined;
  const at = target.indexOf("@");
  if (at >= 0) {
    exten = target.slice(0, at) || undefined;
    context = target.slice(at + 1) || undefined;
  } else if (target.length > 0) context = target;

  if (context !== undefined && !dp.contexts.has(context)) return `There is no existence of '${context}' context\n`;
  const out: string[] = [];
  const totals: ShowTotals = { extensions: 0, priorities: 0, contexts: 0 };
  const seen = new Set<string>();
  const roots = context !== undefined ? [dp.contexts.get(context)] : [...dp.contexts.values()];
  for (const ctx of roots) {
    if (ctx !== undefined) showContext(dp, ctx, exten, false, context !== undefined, seen, out, totals);
  }
  if (exten !== undefined && totals.extensions === 0) {
    return context !== undefined ? `There is no existence of ${exten}@${context} extension\n` : `There is no existence of '${exten}' extension\n`;
  }
  if (context === undefined && exten === undefined && dp.contexts.size === 0) return "There are no contexts in the dialplan\n";
  out.push(
    `-= ${plural(totals.extensions, "extension", "extensions")} (${plural(totals.priorities, "priority", "priorities")}) in ${plural(totals.contexts, "context", "contexts")}. =-`,
  );
  return out.join("\n") + "\n";
}
