/** Shared services every call leg needs, handed down by the call manager. */
import type { Clock } from "../../core/clock.js";
import type { EventSink } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { CapabilitySet } from "../../core/module-capabilities.js";
import type { LoadedConfig } from "../../config/index.js";
import type { MediaEngine } from "../../media/index.js";
import type { SessionLayer } from "../../sip/session/index.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import type { PbxEvents } from "../events.js";
import type { ContactStore } from "../registrar/store/contact-store.js";
import type { DtmfRelay } from "./dtmf.js";
import type { TollFraudGate } from "../toll-fraud/toll-fraud-gate.js";
import type { ClearKeyNotices } from "./clear-keys.js";
import type { DeviceStates } from "./device-states.js";
import type { SoundLibrary } from "../sounds/sound-library.js";

export interface CallContext {
  clock: Clock;
  log: Logger;
  /** Only `timers` is read (the ACK-timeout log line); the session layer sends everything. */
  transactions: Pick<TransactionLayer, "timers">;
  /** INVITE sessions and their dialog table (sip/session). */
  sessions: SessionLayer;
  transports: TransportSet;
  media: MediaEngine;
  directory: () => EndpointDirectory;
  config: () => LoadedConfig;
  contacts: ContactStore;
  userAgent: () => string;
  /** Channel, dial and bridge events (pbx/events.ts), as the call layer module declares them. */
  events: EventSink<PbxEvents>;
  /** Allow and Supported of the loaded modules; narrowed per endpoint by capabilitiesFor(). */
  capabilities: CapabilitySet;
  /** The aggregate state of each endpoint's channels (DeviceStateChange). */
  devices: DeviceStates;
  /** The once-per-endpoint WARNING for SDES keys sent without TLS. */
  clearKeys: ClearKeyNotices;
  /** What a call must be to go out through a trunk (guard.conf tollfraud). */
  tollFraud: TollFraudGate;
  /** DTMF between the legs in each endpoint's dtmf_mode. */
  dtmf: DtmfRelay;
  /** Prompts by sound name, language and codec. */
  sounds: SoundLibrary;
}
