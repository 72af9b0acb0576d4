/**
 * Contact header values (RFC 3261 §20.10, §10.2.2): either the lone `*` of a REGISTER that
 * removes every binding, or a list of name-addrs.
 */
import type { ContactList, NameAddr } from "../message/types.js";
import { parseNameAddr } from "./name-addr.js";

/**
 * Parses the values of `headers.getAll("Contact")`. `*` must stand alone: RFC 3261 §10.2.2 "the
 * request MUST NOT contain a Contact header with the special value `*` combined with any other
 * Contact" — a mixed list is malformed and yields undefined, as does any bad entry.
 */
export function parseContactList(values: readonly string[]): ContactList | undefined {
  const contacts: NameAddr[] = [];
  let star = false;
  for (const raw of values) {
    const v = raw.trim();
    if (v === "*") {
      star = true;
      continue;
    }
    const n = parseNameAddr(v);
    if (n === undefined) return undefined;
    contacts.push(n);
  }
  if (star) return contacts.length === 0 && values.length === 1 ? { star: true } : undefined;
  return { star: false, contacts };
}
