/**
 * Messages between `MediaEngine` (main thread) and the relay workers. Commands that need an
 * answer carry `req`; the worker replies `{ t: "reply", req, ok, value | error }`. Everything
 * else is fire-and-forget, so signalling never waits on the media plane. Both sides post what one
 * event-loop turn produced as one array (`ToWorker[]`, `FromWorker[]`): one wake-up per turn.
 */
import type { StrictRtpMode } from "../../config/rtp/rtp-schema.js";
import type { MixMonitorSpec } from "../record/mix-tap.js";
import type { RecordOptions } from "../record/recorder.js";
import type { SrtpState } from "../srtp/srtp.js";
import type { ConferenceCommand } from "../conference/conference-rooms.js";
import type { LegIceSnapshot, LegIceSpec } from "../ice/leg-ice.js";
import type { IceCandidate, IceParameters } from "../ice/candidate.js";
import type { IceRole } from "../ice/ice-agent.js";
import type { LegOptions, LegSrtp, LegStats, PlaybackSource, PlayOptions, RemoteAddress } from "./types.js";
import type { DtlsLegState, LegDtls } from "../dtls/types.js";
import type { LegDtlsSnapshot } from "../dtls/leg-dtls-link.js";

/** Leg state carried when a leg moves between workers (bridging legs of different workers). */
export interface LegSnapshot {
  remote?: RemoteAddress;
  options: LegOptions;
  counters: Pick<LegStats, "packetsIn" | "bytesIn" | "packetsOut" | "bytesOut" | "rtcpIn" | "rtcpOut" | "dropped" | "malformed">;
  echo: boolean;
  /** The keys and what the contexts have counted (rollover counters, replay windows, SRTCP index). */
  srtp?: LegSrtp;
  srtpState?: { in: SrtpState; out: SrtpState };
  /** DTLS-SRTP: the parameters and how far the handshake got (its keys are in `srtp`). */
  dtls?: LegDtlsSnapshot;
  /** The RTCP port's own DTLS association (RTCP not multiplexed), its SRTCP keys and counters. */
  rtcpDtls?: { link: LegDtlsSnapshot; keys?: LegSrtp; state?: { in: SrtpState; out: SrtpState } };
  /** ICE: credentials, candidates and the peer's parameters, so the new worker's agent carries on. */
  ice?: LegIceSnapshot;
  /** MixMonitor taps running on the leg: each continues its files in the new worker and answers the same request. */
  taps?: Array<{ req: number; spec: MixMonitorSpec }>;
}

export interface WorkerConfig {
  strictRtp: StrictRtpMode;
  probation: number;
  noMediaMs: number;
  srtpReplayProtection: boolean;
}

export type ToWorker =
  | { t: "alloc"; req: number; id: string; port: number; bindAddress: string; startedAt: number; snapshot?: LegSnapshot; ice?: LegIceSpec }
  | { t: "iceRemote"; id: string; remote: IceParameters; role: IceRole }
  | { t: "remote"; id: string; remote: RemoteAddress }
  | { t: "options"; id: string; options: Partial<LegOptions> }
  | { t: "bridge"; a: string; b: string }
  | { t: "unbridge"; id: string }
  | { t: "echo"; id: string; on: boolean }
  | { t: "srtp"; id: string; srtp: LegSrtp | undefined }
  | { t: "dtls"; id: string; dtls: LegDtls | undefined }
  | { t: "play"; req: number; id: string; source: PlaybackSource; options: PlayOptions }
  | { t: "stopPlay"; id: string }
  | { t: "record"; req: number; id: string; options: RecordOptions }
  | { t: "stopRecord"; id: string }
  | { t: "mixMonitor"; req: number; id: string; spec: MixMonitorSpec }
  | { t: "stopMixMonitor"; id: string; tapId: string }
  | { t: "dtmf"; id: string; digit: string; durationMs: number; method: "rfc4733" | "inband" }
  | { t: "stats"; req: number; id?: string }
  | { t: "detach"; req: number; id: string }
  | { t: "release"; id: string }
  | ConferenceCommand;

export type FromWorker =
  | { t: "ready" }
  | { t: "reply"; req: number; ok: true; value: unknown }
  | { t: "reply"; req: number; ok: false; code: string; message: string }
  | { t: "released"; port: number }
  | { t: "timeout"; id: string }
  | { t: "dtmf"; id: string; digit: string; durationMs: number; source: "rfc4733" | "inband"; relayed: boolean }
  | { t: "noMedia"; id: string; stats: LegStats }
  | { t: "dtls"; id: string; state: DtlsLegState }
  /** ICE selected a pair for a component: its local candidate becomes our default candidate in later SDP. */
  | { t: "iceSelected"; id: string; component: number; local: IceCandidate }
  /** Something about a leg's ICE the operator should read (the checklist limit dropped pairs). */
  | { t: "iceNotice"; id: string; message: string }
  | { t: "error"; id?: string; message: string };
