/**
 * The parsed forms of SIP header values (RFC 3261 §20, §25.1 ABNF). Parsing of these values is
 * lazy: the message keeps header values as strings and callers parse what they need.
 */

/** Parameters of a URI, Via, name-addr or Content-Type; names lower-cased, flag params map to null. */
export type Params = Map<string, string | null>;

/** RFC 3261 §19.1 SIP-URI / SIPS-URI (and tel: kept as `scheme: "tel"`, `host` = number). */
export interface SipUri {
  scheme: string;
  user?: string | undefined;
  password?: string | undefined;
  /** Hostname, IPv4 literal, or IPv6 literal *without* brackets. */
  host: string;
  port?: number | undefined;
  params: Params;
  /** `?name=value` headers, raw (still %-escaped). */
  headers: Map<string, string>;
}

/** RFC 3261 §20.10 name-addr / addr-spec with header parameters (From, To, Contact, Route…). */
export interface NameAddr {
  displayName?: string | undefined;
  uri: SipUri;
  params: Params;
}

/** RFC 3261 §20.42 Via header field value (one hop). */
export interface Via {
  /** "SIP/2.0" */
  protocol: string;
  /** Upper-case transport: UDP, TCP, TLS, WS, WSS, SCTP. */
  transport: string;
  host: string;
  port?: number | undefined;
  params: Params;
}

/** RFC 3261 §20.16 CSeq. */
export interface CSeq {
  seq: number;
  method: string;
}

/** Contact header value: `*` or a list of bindings (RFC 3261 §10.2.2). */
export type ContactList = { star: true } | { star: false; contacts: NameAddr[] };

/** RFC 7616 / RFC 3261 §22 credentials or challenge: scheme plus auth-params (unquoted values). */
export interface AuthValue {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Parsed views a message keeps of its transaction-critical headers (see `parser/views.ts`). Each
 * slot remembers the raw field value it was parsed from, so a view is recomputed only when that
 * header line is replaced; `null` records a value that did not parse.
 */
export interface MessageViews {
  viaField?: string | undefined;
  topVia?: Via | null | undefined;
  cseqField?: string | undefined;
  cseq?: CSeq | null | undefined;
}
