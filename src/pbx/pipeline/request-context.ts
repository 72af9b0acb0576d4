/** Everything a pipeline stage knows about one inbound request. */
import type { Logger } from "../../core/logger.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { NameAddr } from "../../sip/message/types.js";
import type { ServerTransaction } from "../../sip/transaction/server-transaction.js";
import type { Flow } from "../../sip/transport/types.js";
import type { EndpointConfig } from "../../config/index.js";

export interface RequestContext {
  req: SipRequest;
  tx: ServerTransaction;
  flow: Flow;
  log: Logger;
  /** The endpoint the request was identified as; undefined means the artificial endpoint. */
  endpoint?: EndpointConfig | undefined;
  /** How the endpoint was identified: "username", "auth_username", "ip". */
  identifiedBy?: string | undefined;
  /** The digest username that authenticated, when authentication happened. */
  authUsername?: string | undefined;
  /** Peer as `ip:port`. */
  peer: string;
  callId: string;
  /** The From header value as received (for log lines). */
  fromText: string;
  /**
   * From and To parsed once, by the sanity stage (which refuses a request whose From or To does
   * not parse); later stages read these instead of parsing the headers again.
   */
  from?: NameAddr | undefined;
  to?: NameAddr | undefined;
  userAgent: string;
  /** Set by identify when it published InvalidAccountID, so authenticate does not repeat it. */
  invalidAccountReported?: boolean | undefined;
}

/** A stage either lets the request continue or has answered it (or dropped it). */
export type StageResult = "continue" | "done";

export interface PipelineStage {
  readonly name: string;
  run(ctx: RequestContext): StageResult | Promise<StageResult>;
}
