/**
 * Loads rtp.conf. A missing file is fine (Asterisk's code defaults apply). Port range rules are
 * Asterisk's: each end is clamped to 1024..65535, and `rtpstart >= rtpend` resets both to
 * 5000/31000 with the warning "Unreasonable values for RTP start/end port in rtp.conf".
 */
import { isIP } from "node:net";
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { dirAccess } from "../ini/file-access.js";
import { parseConfigText } from "../ini/parser.js";
import { visibleCategories, type ConfigReadOptions, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { rtpSchema, type RtpValues } from "./rtp-schema.js";

/** One line of `[ice_host_candidates]`: `192.168.1.10 => 203.0.113.5[,include_local_address]`. */
export interface IceHostMapping {
  /** Our host address as it is bound. */
  readonly local: string;
  /** The address advertised instead (a 1:1 NAT's public one). */
  readonly advertised: string;
  /** Advertise the local address too. */
  readonly includeLocal: boolean;
}

export interface RtpConfig extends RtpValues {
  /** Where [general] was found; line 0 when defaults are used. */
  readonly file: string;
  readonly line: number;
  /** `[ice_host_candidates]`: host candidate addresses to advertise as others. */
  iceHostCandidates: IceHostMapping[];
}

export interface RtpConfigResult {
  readonly config: RtpConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

const MIN_PORT = 1024;
const MAX_PORT = 65535;
const DEFAULT_START = 5000;
const DEFAULT_END = 31000;

function clampPorts(cfg: RtpConfig, sink: DiagnosticSink): void {
  for (const name of ["rtpstart", "rtpend"] as const) {
    const value = cfg[name];
    const clamped = Math.min(MAX_PORT, Math.max(MIN_PORT, value));
    if (clamped !== value) {
      sink.warning(cfg.file, cfg.line, `[general] ${name}=${value} is outside ${MIN_PORT}-${MAX_PORT}; using ${clamped}`);
      cfg[name] = clamped;
    }
  }
  if (cfg.rtpstart >= cfg.rtpend) {
    sink.warning(cfg.file, cfg.line, `Unreasonable values for RTP start/end port in rtp.conf (rtpstart=${cfg.rtpstart}, rtpend=${cfg.rtpend}); using ${DEFAULT_START}-${DEFAULT_END}`);
    cfg.rtpstart = DEFAULT_START;
    cfg.rtpend = DEFAULT_END;
  }
}

/** Builds the RTP settings from a parsed rtp.conf (or from nothing: all defaults). */
export function buildRtpConfig(parsed: ParsedConfig | undefined): RtpConfigResult {
  const sink = new DiagnosticSink();
  if (parsed === undefined) {
    return { config: { ...defaultValues(rtpSchema), file: "rtp.conf", line: 0, iceHostCandidates: [] }, diagnostics: sink.items, files: [] };
  }
  sink.addAll(parsed.diagnostics);
  let config: RtpConfig = { ...defaultValues(rtpSchema), file: parsed.fileName, line: 0, iceHostCandidates: [] };
  const mappings: IceHostMapping[] = [];
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      const r = applyObject(rtpSchema, category, sink, { mode: "settings" });
      config = { ...r.values, file: category.file, line: category.line, iceHostCandidates: [] };
    } else if (category.name === "ice_host_candidates") {
      for (const v of category.variables) {
        const [advertised = "", ...flags] = v.value.split(",").map((t) => t.trim());
        const unknown = flags.filter((f) => f.toLowerCase() !== "include_local_address");
        if (isIP(v.name) === 0 || isIP(advertised) === 0 || isIP(v.name) !== isIP(advertised)) {
          sink.warning(v.file, v.line, `[ice_host_candidates] ${v.name} => ${v.value}: write <local address> => <advertised address>[,include_local_address], both IPv4 or both IPv6; line ignored`);
          continue;
        }
        if (unknown.length > 0) sink.warning(v.file, v.line, `[ice_host_candidates] ${v.name}: '${unknown.join(",")}' is not known (include_local_address is); ignored`);
        mappings.push({ local: v.name, advertised, includeLocal: flags.length > unknown.length });
      }
    } else {
      sink.warning(category.file, category.line, `[${category.name}] is not a section of rtp.conf; only [general] and [ice_host_candidates] are read`);
    }
  }
  if (config.rtcpinterval !== 0 && (config.rtcpinterval < 500 || config.rtcpinterval > 60000)) {
    const clamped = Math.min(60000, Math.max(500, config.rtcpinterval));
    sink.warning(config.file, config.line, `[general] rtcpinterval=${config.rtcpinterval} is outside 500-60000 ms; using ${clamped}`);
    config.rtcpinterval = clamped;
  }
  clampPorts(config, sink);
  config.iceHostCandidates = mappings;
  return { config, diagnostics: sink.items, files: parsed.files };
}

/** Reads `rtp.conf` from `dir`; a missing file means defaults. */
export function loadRtpConfig(dir: string, opts: ConfigReadOptions = {}): RtpConfigResult {
  const disk = dirAccess(dir);
  const readFile = opts.readFile ?? disk.readFile;
  const text = readFile("rtp.conf");
  if (text === undefined) return buildRtpConfig(undefined);
  return buildRtpConfig(parseConfigText(text, "rtp.conf", { readFile, listFiles: opts.listFiles ?? disk.listFiles }));
}
