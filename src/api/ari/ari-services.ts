/** What the resource handlers share: the PBX view, the applications, Stasis and playbacks. */
import type { LoadedConfig } from "../../config/index.js";
import type { AriApplications } from "./ari-applications.js";
import type { AriChannel } from "./ari-objects.js";
import type { AriState } from "./ari-state.js";
import type { Playbacks } from "./playbacks.js";
import type { StasisControl } from "./stasis.js";
import type { AriBridges } from "./ari-bridges.js";
import type { Recordings } from "./recordings.js";
import type { OriginateRequest, OriginateResult } from "../../pbx/channel/originate.js";

export interface AriServices {
  readonly state: AriState;
  readonly apps: AriApplications;
  readonly stasis: StasisControl;
  readonly playbacks: Playbacks;
  /** The system's entity id (`asterisk_id`). */
  readonly asteriskId: string;
  readonly config: () => LoadedConfig;
  /** A live channel's ARI object (with ari.conf channelvars). */
  readonly channelJson: (id: string) => AriChannel | undefined;
  /** Live and stored recordings. */
  readonly recordings: Recordings;
  /** The bridges applications made. */
  readonly bridges: AriBridges;
  /** Mutes (or unmutes) a channel in Stasis: `in` what its phone says, `out` what it hears; false when it cannot be. */
  readonly mute: (channelId: string, direction: "both" | "in" | "out", on: boolean) => boolean;
  /** Holds (or takes off hold) a channel in Stasis: it and its bridge's other party stop hearing each other; Hold/Unhold on the bus. */
  readonly hold: (channelId: string, on: boolean) => boolean;
  /** Starts music on hold on a channel in Stasis (the class asked for, else its own or default), or stops it (`mohClass` null); false when it cannot be. */
  readonly moh: (channelId: string, mohClass: string | undefined | null) => boolean;
  /** Places a call as AMI Originate does; undefined before the call layer runs. */
  readonly originate: (req: OriginateRequest) => Promise<OriginateResult> | undefined;
}
