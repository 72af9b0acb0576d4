/**
 * The top Via and the CSeq of a message, parsed once: the transaction layer (matching, §17.1.3 /
 * §17.2.3; `received`/`rport`, §18.2.1), the dialog and the registrar all need them for every
 * request, and each used to parse the header again. The view is tied to the raw field value it came
 * from (`message.views`), so replacing the header line (as `received`/`rport` do) refreshes it.
 */
import type { SipMessage } from "../message/message.js";
import type { CSeq, Via } from "../message/types.js";
import { parseCSeq } from "./values.js";
import { parseVia } from "./via.js";

/** The first value of the first Via line, without splitting the lines after it. */
function firstListValue(field: string): string {
  // A comma inside a quoted string or `<…>` is not a separator (§7.3.1); Via values carry
  // neither except in quoted parameter values, which are rare enough to take the slow path.
  const comma = field.indexOf(",");
  if (comma < 0) return field.trim();
  if (field.indexOf('"') >= 0 && field.indexOf('"') < comma) return firstQuotedAware(field);
  return field.slice(0, comma).trim();
}

function firstQuotedAware(field: string): string {
  let inQuote = false;
  for (let i = 0; i < field.length; i++) {
    const ch = field.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inQuote = false;
    } else if (ch === 0x22) inQuote = true;
    else if (ch === 0x2c) return field.slice(0, i).trim();
  }
  return field.trim();
}

/** The parsed top Via (undefined when there is none or it does not parse). Shared: read it, do not change it. */
export function topViaOf(msg: SipMessage): Via | undefined {
  const field = msg.headers.get("Via");
  const v = msg.views;
  if (field !== v.viaField || v.topVia === undefined) {
    v.viaField = field;
    v.topVia = field === undefined ? null : (parseVia(firstListValue(field)) ?? null);
  }
  return v.topVia ?? undefined;
}

/** Records a top Via the caller has just written as `field` (the first Via line), so it is not parsed back. */
export function rememberTopVia(msg: SipMessage, field: string, via: Via): void {
  msg.views.viaField = field;
  msg.views.topVia = via;
}

/** The parsed CSeq (undefined when missing or malformed). */
export function cseqOf(msg: SipMessage): CSeq | undefined {
  const field = msg.headers.get("CSeq");
  const v = msg.views;
  if (field !== v.cseqField || v.cseq === undefined) {
    v.cseqField = field;
    v.cseq = field === undefined ? null : (parseCSeq(field) ?? null);
  }
  return v.cseq ?? undefined;
}
