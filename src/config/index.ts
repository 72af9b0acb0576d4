/**
 * Public API of the configuration layer: Asterisk-compatible .conf parsing, typed pjsip.conf and
 * rtp.conf objects with diagnostics, configuration traps, and the embedded default.
 */
export { formatDiagnostic, type Diagnostic, type DiagnosticSeverity } from "./diagnostic.js";
export { parseConfigFile, parseConfigText } from "./ini/parser.js";
export { visibleCategories, lastValue, type ConfigCategory, type ConfigVariable, type ParsedConfig, type ConfigReadOptions } from "./ini/types.js";
export { loadConfiguration, describeSource, type ConfigSource, type LoadedConfig } from "./load-configuration.js";
export { loadPjsipConfig, buildPjsipConfig, type PjsipConfigResult } from "./pjsip/load-pjsip.js";
export type { TransportConfig } from "./pjsip/transport-schema.js";
export type { EndpointConfig } from "./pjsip/endpoint-schema.js";
export type { AorConfig } from "./pjsip/aor-schema.js";
export type { AuthConfig } from "./pjsip/auth-schema.js";
export type { IdentifyConfig } from "./pjsip/identify-schema.js";
export type { GlobalConfig } from "./pjsip/global-schema.js";
export type { SystemConfig } from "./pjsip/system-schema.js";
export { loadRtpConfig, buildRtpConfig, type RtpConfig, type RtpConfigResult } from "./rtp/load-rtp.js";
export type { StrictRtpMode } from "./rtp/rtp-schema.js";
export type { CodecPreference } from "./schema/codecs.js";
export { codecKind, codecSupport, DECODED_CODECS, KNOWN_CODECS, type CodecSupport } from "./schema/codecs.js";
export type { CidrEntry, HostPort, IdentifyMatch, PasswordDigest } from "./schema/values.js";
export { checkTraps } from "./check/traps.js";
export { runCheck, type CheckReport } from "./check/run-check.js";
export { embeddedDefaultFiles, EMBEDDED_ACCOUNTS, EMBEDDED_BROWSER_EXTENSIONS, EMBEDDED_EXTENSIONS } from "./defaults/embedded.js";
export { carryOverRejected } from "./pjsip/carry-over.js";
export { mailboxFlag, mailboxKey, type Mailbox, type VoicemailConfig, type Zone } from "./voicemail/load-voicemail.js";
export type { VoicemailGeneral } from "./voicemail/voicemail-schema.js";
export type { AsteriskConfig } from "./asterisk/load-asterisk.js";
export { classSet, type EventFilter, type ManagerConfig, type ManagerUser } from "./manager/load-manager.js";
export { type CdrConfig, type CdrSqliteConfig } from "./cdr/load-cdr.js";
export { builtinDefaultClass, type MohClassConfig, type MohConfig } from "./moh/load-moh.js";
export type { MohSort } from "./moh/moh-schema.js";
export { DEFAULT_BRIDGE_PROFILE, DEFAULT_USER_PROFILE, type ConfbridgeConfig } from "./confbridge/load-confbridge.js";
export { INTERNAL_RATES, type ConfbridgeBridgeValues, type ConfbridgeUserValues } from "./confbridge/confbridge-schema.js";
export { MANAGER_CLASSES, type ManagerClass, type ManagerGeneral } from "./manager/manager-schema.js";
export type { HttpConfig } from "./http/load-http.js";
export type { HttpGeneral } from "./http/http-schema.js";
export type { AriConfig, AriUser } from "./ari/load-ari.js";
export type { AriGeneral } from "./ari/ari-schema.js";
