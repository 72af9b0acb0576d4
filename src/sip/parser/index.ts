/**
 * The SIP parser layer: message parsing/serialization, header value parsers and stream framing
 * (RFC 3261 §7, §18.3, §19, §20, §25). Untrusted bytes never throw here: parsers return results.
 */
export { DEFAULT_PARSE_LIMITS } from "./limits.js";
export type { ParseLimits, ParseResult } from "./limits.js";
export { parseMessage } from "./message-parser.js";
export { serializeMessage } from "./serializer.js";
export { parseUri, formatUri, formatHost } from "./uri.js";
export { parseNameAddr, formatNameAddr } from "./name-addr.js";
export { parseVia, formatVia } from "./via.js";
export {
  parseCSeq,
  formatCSeq,
  parseExpires,
  parseMaxForwards,
  parseContentLength,
  MAX_CSEQ,
  MAX_DELTA_SECONDS,
} from "./values.js";
export { parseContactList } from "./contact.js";
export { parseAuth, formatAuth, CHALLENGE_QUOTED, CREDENTIALS_QUOTED } from "./auth.js";
export { parseParams, formatParams, paramValue } from "./params.js";
export { StreamFramer } from "./stream-framer.js";
export type { FramerOutput, StreamFramerOptions } from "./stream-framer.js";
export { unescapeUser } from "./unescape.js";
export { topViaOf, cseqOf, rememberTopVia } from "./views.js";
