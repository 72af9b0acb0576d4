/**
 * Transaction timer values (RFC 3261 §17, Table 4). T1 and timer B come from pjsip.conf
 * `[system] timer_t1` / `timer_b`; as in pjsip, timer F uses the same value as timer B.
 */
export interface TimerConfig {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s. */
  T2: number;
  /** Maximum time a message remains in the network, 5 s. */
  T4: number;
  /** INVITE (B) and non-INVITE (F) transaction timeout, default 64*T1. */
  timerB: number;
}

export const DEFAULT_TIMERS: TimerConfig = { T1: 500, T2: 4000, T4: 5000, timerB: 32000 };

export function timersFrom(t1: number, timerB: number): TimerConfig {
  return { T1: t1, T2: 4000, T4: 5000, timerB };
}
