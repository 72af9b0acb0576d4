/**
 * An ordered, case-insensitive header collection. Names are stored in canonical long form
 * (`v` → `Via`, `call-id` → `Call-ID`); values are the unfolded, trimmed field values as they
 * arrived. Multi-value headers (RFC 3261 §7.3.1) may arrive comma-joined or repeated;
 * `getAll` splits the comma-joined form for the headers whose grammar allows it.
 */
import { splitHeaderList } from "./split.js";

export interface HeaderField {
  name: string;
  value: string;
}

/** RFC 3261 §7.3.3 compact forms, plus RFC 3515/3891/4028/6665 ones. */
const COMPACT: Record<string, string> = {
  i: "Call-ID",
  m: "Contact",
  e: "Content-Encoding",
  l: "Content-Length",
  c: "Content-Type",
  f: "From",
  s: "Subject",
  k: "Supported",
  t: "To",
  v: "Via",
  o: "Event",
  r: "Refer-To",
  b: "Referred-By",
  u: "Allow-Events",
  x: "Session-Expires",
  a: "Accept-Contact",
  j: "Reject-Contact",
  d: "Request-Disposition",
  y: "Identity",
};

/** Canonical spelling for well-known headers whose capitalisation is not simple Title-Case. */
const SPECIAL: Record<string, string> = {
  "call-id": "Call-ID",
  cseq: "CSeq",
  "www-authenticate": "WWW-Authenticate",
  "mime-version": "MIME-Version",
  "rack": "RAck",
  "rseq": "RSeq",
  "sip-etag": "SIP-ETag",
  "sip-if-match": "SIP-If-Match",
  "p-asserted-identity": "P-Asserted-Identity",
  "p-preferred-identity": "P-Preferred-Identity",
};

/** Headers whose ABNF is a comma-separated list (so `a, b` equals two header lines). */
const LIST_HEADERS = new Set([
  "Via",
  "Contact",
  "Route",
  "Record-Route",
  "Allow",
  "Supported",
  "Require",
  "Proxy-Require",
  "Unsupported",
  "Accept",
  "Accept-Encoding",
  "Accept-Language",
  "Allow-Events",
  "Content-Encoding",
  "In-Reply-To",
  "Path",
  "Service-Route",
  "Warning",
  "P-Asserted-Identity",
]);

const canonicalCache = new Map<string, string>();

export function canonicalHeaderName(name: string): string {
  const cached = canonicalCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  // Own-property checks: a peer may send a header named "constructor" or "__proto__".
  let out = Object.hasOwn(COMPACT, lower) ? COMPACT[lower] : Object.hasOwn(SPECIAL, lower) ? SPECIAL[lower] : undefined;
  if (out === undefined) {
    out = lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
  }
  if (canonicalCache.size < 4096) canonicalCache.set(name, out);
  return out;
}

export function isListHeader(canonicalName: string): boolean {
  return LIST_HEADERS.has(canonicalName);
}

export class Headers {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  /** The first value of a header (the whole field value, not split). */
  get(name: string): string | undefined {
    const n = canonicalHeaderName(name);
    for (const f of this.fields) if (f.name === n) return f.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header; list headers are split on top-level commas. */
  getAll(name: string): string[] {
    const n = canonicalHeaderName(name);
    const out: string[] = [];
    const split = LIST_HEADERS.has(n);
    for (const f of this.fields) {
      if (f.name !== n) continue;
      if (split) for (const v of splitHeaderList(f.value)) out.push(v);
      else out.push(f.value);
    }
    return out;
  }

  /** Number of header lines with this name. */
  count(name: string): number {
    const n = canonicalHeaderName(name);
    let c = 0;
    for (const f of this.fields) if (f.name === n) c++;
    return c;
  }

  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Inserts before the first existing line of that name (or at the end if none). */
  prepend(name: string, value: string): this {
    const n = canonicalHeaderName(name);
    const idx = this.fields.findIndex((f) => f.name === n);
    if (idx < 0) this.fields.push({ name: n, value });
    else this.fields.splice(idx, 0, { name: n, value });
    return this;
  }

  /** Replaces every line of that name with one line, keeping the position of the first. */
  set(name: string, value: string): this {
    const n = canonicalHeaderName(name);
    const idx = this.fields.findIndex((f) => f.name === n);
    if (idx < 0) {
      this.fields.push({ name: n, value });
      return this;
    }
    this.fields[idx] = { name: n, value };
    for (let i = this.fields.length - 1; i > idx; i--) if (this.fields[i]?.name === n) this.fields.splice(i, 1);
    return this;
  }

  delete(name: string): this {
    const n = canonicalHeaderName(name);
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]?.name === n) this.fields.splice(i, 1);
    return this;
  }

  /** Removes the first value of a list header (e.g. our own top Via on a response). */
  removeFirstValue(name: string): void {
    const n = canonicalHeaderName(name);
    const idx = this.fields.findIndex((f) => f.name === n);
    if (idx < 0) return;
    const field = this.fields[idx];
    if (!field) return;
    const values = splitHeaderList(field.value);
    if (values.length <= 1) this.fields.splice(idx, 1);
    else this.fields[idx] = { name: n, value: values.slice(1).join(", ") };
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ name: f.name, value: f.value })));
  }
}
