/** Shared services every call leg needs, handed down by the call manager. */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { LoadedConfig } from "../../config/index.js";
import type { MediaEngine } from "../../media/index.js";
import type { SessionLayer } from "../../sip/session/index.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import type { ContactStore } from "../registrar/store/contact-store.js";

export interface CallContext {
  clock: Clock;
  log: Logger;
  transactions: TransactionLayer;
  /** INVITE sessions and their dialog table (sip/session). */
  sessions: SessionLayer;
  transports: TransportSet;
  media: MediaEngine;
  directory: () => EndpointDirectory;
  config: () => LoadedConfig;
  contacts: ContactStore;
  userAgent: () => string;
}
