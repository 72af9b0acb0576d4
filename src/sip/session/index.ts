/**
 * The INVITE session layer (RFC 3261 §12-§15, RFC 3262, RFC 3264, RFC 3311, RFC 4028): UAS and
 * UAC sessions over a dialog table, with one message factory. Depends on small ports, not on the
 * concrete transaction layer; SDP crosses as a body string with its content type.
 */
export { SessionLayer, type SessionLayerOptions } from "./session-layer.js";
export { ServerInviteSession, type ServerInviteSessionEvents, type ServerInviteSessionOptions, type ServerSessionTimerTerms } from "./server-invite-session.js";
export { ClientInviteSession, type ClientInviteSessionEvents, type ClientInviteSessionOptions } from "./client-invite-session.js";
export {
  InviteSession,
  type InviteSessionEvents,
  type InviteSessionDelegate,
  type RequestOutcome,
  type ChallengeResponder,
  type ModifyRequest,
  type ModifyOutcome,
  type SessionState,
  type SessionTimerPolicy,
  type TerminationReason,
} from "./invite-session.js";
export { MessageFactory, bodyOf, encodeUser, type SessionBody, type MessageFactoryOptions } from "./message-factory.js";
export { optionTagsOf, supportsTag, parseSessionExpires, parseMinSe, clampSessionInterval, MIN_SESSION_INTERVAL, MAX_SESSION_INTERVAL, parseRAck, parseRSeq, sessionExpiryDelay, sessionRefreshDelay, type OptionTags, type Refresher } from "./extension-headers.js";
export type { TransactionPort, InviteServerPort, Respond, SessionEnvironment } from "./ports.js";
export { SessionTimer } from "./session-timer.js";
export { SessionRefresh } from "./session-refresh.js";
export { ReliableProvisionals } from "./reliable-provisionals.js";
export { dialogContactProblem, type DialogContactProblem } from "./dialog-contact.js";
export { dialogTagOf } from "./dialog-tags.js";
