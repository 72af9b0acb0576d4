/** What a transaction needs from its layer: a clock, timers, a way to send, and removal. */
import type { Clock } from "../../core/clock.js";
import type { SipMessage } from "../message/message.js";
import type { Flow } from "../transport/types.js";
import type { TimerConfig } from "./timers.js";

export interface TransactionContext {
  clock: Clock;
  timers: TimerConfig;
  serialize(msg: SipMessage): Buffer;
  /** Sends at once; a failure is reported later to `onError`. */
  sendRaw(buf: Buffer, flow: Flow, kind: "request" | "response", onError?: (err: unknown) => void): void;
  remove(key: string, side: "server" | "client"): void;
}
