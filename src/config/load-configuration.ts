/**
 * Loads the whole configuration from a directory or from the embedded in-memory files:
 * pjsip.conf (required), rtp.conf, guard.conf and logger.conf (optional; defaults otherwise) and
 * extensions.conf (passed through parsed, for the dialplan module to interpret).
 */
import { isAbsolute, join } from "node:path";
import type { Diagnostic } from "./diagnostic.js";
import { dirAccess, mapAccess, type ConfigFileAccess } from "./ini/file-access.js";
import { parseConfigText } from "./ini/parser.js";
import type { ParsedConfig } from "./ini/types.js";
import { buildPjsipConfig, type PjsipConfigResult } from "./pjsip/load-pjsip.js";
import { buildRtpConfig, type RtpConfig } from "./rtp/load-rtp.js";
import { buildGuardConfig, type GuardConfig } from "./guard/load-guard.js";
import { buildLoggerConfig, type LoggerConfig } from "./logger/load-logger.js";
import { buildAsteriskConfig, type AsteriskConfig } from "./asterisk/load-asterisk.js";
import { buildVoicemailConfig, type VoicemailConfig } from "./voicemail/load-voicemail.js";
import { buildManagerConfig, type ManagerConfig } from "./manager/load-manager.js";
import { buildCdrConfig, type CdrConfig } from "./cdr/load-cdr.js";
import { buildAclConfig, endpointAclProblems, iceAclProblems, type AclConfig } from "./acl/load-acl.js";
import { buildHttpConfig, type HttpConfig } from "./http/load-http.js";
import { buildAriConfig, type AriConfig } from "./ari/load-ari.js";
import { buildFeaturesConfig, type FeaturesConfig } from "./features/load-features.js";
import { buildParkingConfig, type ParkingConfig } from "./parking/load-parking.js";
import { buildQueuesConfig, type QueuesConfig } from "./queues/load-queues.js";
import { buildMohConfig, type MohConfig } from "./moh/load-moh.js";
import { buildConfbridgeConfig, type ConfbridgeConfig } from "./confbridge/load-confbridge.js";

export type ConfigSource = { readonly kind: "dir"; readonly dir: string } | { readonly kind: "embedded"; readonly files: Readonly<Record<string, string>> };

export interface LoadedConfig {
  readonly source: ConfigSource;
  readonly pjsip: PjsipConfigResult;
  readonly rtp: RtpConfig;
  /** guard.conf, or the guard's defaults when the file is absent (the guard is on by default). */
  readonly guard: GuardConfig;
  /** logger.conf, or Asterisk's default channels when the file is absent. */
  readonly logger: LoggerConfig;
  /** asterisk.conf: Asterisk's sound and spool directories, the default language. */
  readonly asterisk: AsteriskConfig;
  /** voicemail.conf: mailboxes and recording limits (none without the file). */
  readonly voicemail: VoicemailConfig;
  /** manager.conf: AMI listeners and users (AMI off without the file). */
  readonly manager: ManagerConfig;
  /** acl.conf: named ACLs, which manager users and endpoints name with acl=. */
  readonly acl: AclConfig;
  /** cdr.conf, cdr_manager.conf, cdr_sqlite3_custom.conf: call detail records and their backends. */
  readonly cdr: CdrConfig;
  /** http.conf: the HTTP server ARI is served under (off without the file). */
  readonly http: HttpConfig;
  /** ari.conf: ARI switches and users (no users without the file). */
  readonly ari: AriConfig;
  /** features.conf: the pickup extension (defaults without the file). */
  readonly features: FeaturesConfig;
  /** res_parking.conf: parking lots (the lot `default` without the file). */
  readonly parking: ParkingConfig;
  /** queues.conf: call queues (none without the file). */
  readonly queues: QueuesConfig;
  /** musiconhold.conf: music classes (the built-in [default] without the file). */
  readonly moh: MohConfig;
  /** confbridge.conf: conference bridge and user profiles (default_bridge, default_user without the file). */
  readonly confbridge: ConfbridgeConfig;
  /** extensions.conf as parsed, when present. */
  readonly extensions?: ParsedConfig;
  /** Every file read, includes too (full paths for a directory, names for embedded files). */
  readonly files: string[];
  /** All diagnostics of all files, in reading order. */
  readonly diagnostics: Diagnostic[];
  /**
   * False when a whole file could not be read (pjsip.conf missing, a missing `#include`, an
   * include loop): what loaded is then only part of what the admin wrote, so a reload must not
   * replace the running configuration with it (Asterisk fails the whole parse in that case).
   */
  readonly complete: boolean;
}

function accessFor(source: ConfigSource): ConfigFileAccess {
  return source.kind === "dir" ? dirAccess(source.dir) : mapAccess(source.files);
}

function parseOptional(access: ConfigFileAccess, name: string): ParsedConfig | undefined {
  const text = access.readFile(name);
  return text === undefined ? undefined : parseConfigText(text, name, access);
}

/** Where the configuration comes from, for messages: a directory or "the embedded default". */
export function describeSource(source: ConfigSource): string {
  return source.kind === "dir" ? source.dir : "the embedded configuration";
}

export function loadConfiguration(source: ConfigSource): LoadedConfig {
  const access = accessFor(source);
  const pjsipParsed = parseOptional(access, "pjsip.conf") ?? {
    fileName: "pjsip.conf",
    files: [],
    categories: [],
    diagnostics: [{ severity: "error", file: "pjsip.conf", line: 0, message: `pjsip.conf not found in ${describeSource(source)}; without it there are no transports or endpoints` }],
    ok: false,
  };
  const pjsip = buildPjsipConfig(pjsipParsed);
  const rtpResult = buildRtpConfig(parseOptional(access, "rtp.conf"));
  const guardResult = buildGuardConfig(parseOptional(access, "guard.conf"));
  const loggerResult = buildLoggerConfig(parseOptional(access, "logger.conf"));
  const asteriskResult = buildAsteriskConfig(parseOptional(access, "asterisk.conf"));
  const voicemailResult = buildVoicemailConfig(parseOptional(access, "voicemail.conf"));
  const aclResult = buildAclConfig(parseOptional(access, "acl.conf"));
  const featuresResult = buildFeaturesConfig(parseOptional(access, "features.conf"));
  const parkingResult = buildParkingConfig(parseOptional(access, "res_parking.conf"));
  const queuesResult = buildQueuesConfig(parseOptional(access, "queues.conf"));
  const managerResult = buildManagerConfig(parseOptional(access, "manager.conf"), aclResult.config.named);
  const cdrResult = buildCdrConfig({ cdr: parseOptional(access, "cdr.conf"), manager: parseOptional(access, "cdr_manager.conf"), sqlite: parseOptional(access, "cdr_sqlite3_custom.conf") });
  const httpResult = buildHttpConfig(parseOptional(access, "http.conf"));
  const ariResult = buildAriConfig(parseOptional(access, "ari.conf"));
  const mohResult = buildMohConfig(parseOptional(access, "musiconhold.conf"), asteriskResult.config.directories.astdatadir);
  const extensions = parseOptional(access, "extensions.conf");
  const confbridgeResult = buildConfbridgeConfig(parseOptional(access, "confbridge.conf"));
  const relative = [...pjsip.files, ...rtpResult.files, ...guardResult.files, ...loggerResult.files, ...asteriskResult.files, ...voicemailResult.files, ...aclResult.files, ...managerResult.files, ...cdrResult.files, ...httpResult.files, ...ariResult.files, ...featuresResult.files, ...parkingResult.files, ...queuesResult.files, ...mohResult.files, ...confbridgeResult.files, ...(extensions?.files ?? [])];
  const files = source.kind === "dir" ? relative.map((f) => (isAbsolute(f) ? f : join(source.dir, f))) : relative;
  const diagnostics = [...pjsip.diagnostics, ...rtpResult.diagnostics, ...guardResult.diagnostics, ...loggerResult.diagnostics, ...asteriskResult.diagnostics, ...voicemailResult.diagnostics, ...aclResult.diagnostics, ...endpointAclProblems(pjsip.endpoints.values(), aclResult.config), ...iceAclProblems(rtpResult.config, aclResult.config), ...managerResult.diagnostics, ...cdrResult.diagnostics, ...httpResult.diagnostics, ...ariResult.diagnostics, ...featuresResult.diagnostics, ...parkingResult.diagnostics, ...queuesResult.diagnostics, ...mohResult.diagnostics, ...confbridgeResult.diagnostics, ...(extensions?.diagnostics ?? [])];
  const complete = pjsipParsed.ok && (extensions?.ok ?? true);
  const base = { source, pjsip, rtp: rtpResult.config, guard: guardResult.config, logger: loggerResult.config, asterisk: asteriskResult.config, voicemail: voicemailResult.config, acl: aclResult.config, manager: managerResult.config, cdr: cdrResult.config, http: httpResult.config, ari: ariResult.config, features: featuresResult.config, parking: parkingResult.config, queues: queuesResult.config, moh: mohResult.config, confbridge: confbridgeResult.config, files, diagnostics, complete };
  return extensions === undefined ? base : { ...base, extensions };
}
