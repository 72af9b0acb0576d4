/**
 * The SIP capabilities a module adds, and their union over the loaded modules. Allow,
 * Supported, Allow-Events and Accept are derived from it instead of being spelled wherever a
 * message is built: a method is listed because a loaded module handles it (RFC 3261 §20.5), an
 * option tag because a loaded module implements the extension (§19.2, §20.37).
 *
 * The strings are protocol tokens only; core knows nothing else of SIP.
 */

export interface SipCapabilities {
  /** Methods for `Allow` (upper case). */
  readonly methods?: readonly string[];
  /** Option tags for `Supported`; a `Require` naming any other tag is answered 420 (§8.2.2.3). */
  readonly optionTags?: readonly string[];
  /** Event packages for `Allow-Events` (RFC 6665 §7.2.2). */
  readonly eventPackages?: readonly string[];
  /** Body types for `Accept` (§20.1). */
  readonly accept?: readonly string[];
}

/**
 * RFC 3261's own methods come first in `Allow`, in the order phones and Asterisk print them;
 * extension methods follow in the order the modules declared them. The order means nothing to
 * a peer, but a stable one keeps traces comparable.
 */
const CORE_METHOD_ORDER = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER"];

function union(lists: Iterable<readonly string[] | undefined>, normalize: (s: string) => string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const raw of list ?? []) {
      const v = normalize(raw.trim());
      if (v === "" || seen.has(v)) continue;
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

function methodRank(m: string): number {
  const i = CORE_METHOD_ORDER.indexOf(m);
  return i < 0 ? CORE_METHOD_ORDER.length : i;
}

/** An immutable union of capabilities; header values are computed once. */
export class CapabilitySet {
  readonly methods: readonly string[];
  readonly optionTags: readonly string[];
  readonly eventPackages: readonly string[];
  readonly accept: readonly string[];
  private readonly methodSet: ReadonlySet<string>;
  private readonly tagSet: ReadonlySet<string>;
  private readonly allowText: string;
  private readonly supportedText: string;

  private constructor(c: { methods: string[]; optionTags: string[]; eventPackages: string[]; accept: string[] }) {
    // A stable sort keeps the declaration order among extension methods.
    this.methods = [...c.methods].sort((a, b) => methodRank(a) - methodRank(b));
    this.optionTags = c.optionTags;
    this.eventPackages = c.eventPackages;
    this.accept = c.accept;
    this.methodSet = new Set(this.methods);
    this.tagSet = new Set(this.optionTags);
    this.allowText = this.methods.join(", ");
    this.supportedText = this.optionTags.join(", ");
  }

  /** The union of `declared`, in declaration order (modules in load order). */
  static of(declared: Iterable<SipCapabilities | undefined>): CapabilitySet {
    const all = [...declared].filter((c): c is SipCapabilities => c !== undefined);
    return new CapabilitySet({
      methods: union(all.map((c) => c.methods), (s) => s.toUpperCase()),
      // Option tags are compared the way the sanity stage reads Require: lower case.
      optionTags: union(all.map((c) => c.optionTags), (s) => s.toLowerCase()),
      eventPackages: union(all.map((c) => c.eventPackages), (s) => s.toLowerCase()),
      accept: union(all.map((c) => c.accept), (s) => s.toLowerCase()),
    });
  }

  /** This set minus some methods and option tags (e.g. PRACK and 100rel for an endpoint with 100rel=no). */
  without(remove: { methods?: readonly string[]; optionTags?: readonly string[] }): CapabilitySet {
    const m = new Set((remove.methods ?? []).map((s) => s.toUpperCase()));
    const t = new Set((remove.optionTags ?? []).map((s) => s.toLowerCase()));
    if (m.size === 0 && t.size === 0) return this;
    return new CapabilitySet({
      methods: this.methods.filter((x) => !m.has(x)),
      optionTags: this.optionTags.filter((x) => !t.has(x)),
      eventPackages: [...this.eventPackages],
      accept: [...this.accept],
    });
  }

  allows(method: string): boolean {
    return this.methodSet.has(method.toUpperCase());
  }

  supports(optionTag: string): boolean {
    return this.tagSet.has(optionTag.toLowerCase());
  }

  /** The `Allow` value: `INVITE, ACK, CANCEL, …`. */
  allow(): string {
    return this.allowText;
  }

  /** The `Supported` value; "" when no loaded module implements an extension. */
  supported(): string {
    return this.supportedText;
  }

  /** The `Allow-Events` value; "" when no module handles SUBSCRIBE for a package. */
  allowEvents(): string {
    return this.eventPackages.join(", ");
  }

  /** The `Accept` value; "" when no module reads message bodies. */
  accepted(): string {
    return this.accept.join(", ");
  }
}
