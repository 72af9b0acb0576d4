/**
 * What the feature codes act with: the call layer, events, configuration, and the modules a
 * feature hands the parties to (transfers, music on hold, parking, MixMonitor).
 */
import type { EventPort } from "../../core/event-bus.js";
import type { LoadedConfig } from "../../config/index.js";
import type { CallManager } from "../channel/call-manager.js";
import type { PbxEvents } from "../events.js";
import type { MixMonitors } from "../mixmonitor/mixmonitor-apps.js";
import type { ParkedCalls } from "../parking/parked-calls.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { TransferService } from "../transfer/transfer-service.js";

/** What the held party hears during a transfer; the music on hold module gives it once loaded. */
export interface FeatureMusic {
  start(channel: DivertedChannel): void;
  stop(channel: DivertedChannel): void;
}

export interface FeatureServices {
  calls: CallManager;
  events: EventPort<PbxEvents>;
  config: () => LoadedConfig;
  transfers: () => TransferService;
  music: () => FeatureMusic | undefined;
  parked: () => ParkedCalls | undefined;
  monitors: () => MixMonitors | undefined;
  now: () => number;
}
