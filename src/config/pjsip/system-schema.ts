/**
 * `type=system` (or a section named `[system]`): SIP stack timers and switches (reference §1.3).
 */
import { bool, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;

const systemOptions = [
  uint("timer_t1", 500, "RFC 3261 T1 in milliseconds (round-trip estimate).", { min: 100 }),
  uint("timer_b", 32000, "RFC 3261 Timer B in milliseconds (INVITE transaction timeout).", { min: 500 }),
  bool("compact_headers", false, "Use compact header names (v:, f:, t: …) in requests we send.", NOT_YET),
  // Requests are never moved to TCP, and every Via we write carries ;rport (RFC 3581).
  bool("disable_tcp_switch", true, "Do not switch to TCP when a request is larger than the UDP MTU.", { unimplementedValues: [false] }),
  bool("disable_rport", false, "Do not add ;rport to the Via of requests we send.", { unimplementedValues: [true] }),
  bool("follow_early_media_fork", true, "Follow SDP changes in forked early media.", NOT_YET),
  bool("accept_multiple_sdp_answers", false, "Accept updated SDP answers in provisional responses.", NOT_YET),
  uint("threadpool_initial_size", 0, "Initial worker pool size (no effect: Node has one event loop).", NOT_YET),
  uint("threadpool_auto_increment", 5, "Workers added when the pool is busy (no effect).", NOT_YET),
  uint("threadpool_idle_timeout", 60, "Seconds before an idle worker stops (no effect).", NOT_YET),
  uint("threadpool_max_size", 50, "Most workers (no effect).", NOT_YET),
  uint("taskpool_minimum_size", 4, "Smallest task pool (no effect).", NOT_YET),
  uint("taskpool_initial_size", 4, "Initial task pool size (no effect).", NOT_YET),
  uint("taskpool_auto_increment", 1, "Task pool growth step (no effect).", NOT_YET),
  uint("taskpool_idle_timeout", 60, "Seconds before an idle task pool member stops (no effect).", NOT_YET),
  uint("taskpool_max_size", 50, "Largest task pool (no effect).", NOT_YET),
] as const;

export type SystemValues = SchemaValues<typeof systemOptions>;
export type SystemConfig = SystemValues & ObjectOrigin;

export const systemSchema: ObjectSchema<typeof systemOptions> = {
  type: "system",
  synopsis: "SIP stack timers and switches (one per pjsip.conf; a section named [system] implies it).",
  options: systemOptions,
};
