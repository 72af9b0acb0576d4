/**
 * features.conf: call features. Switchboard reads `[general] pickupexten` (the extension a phone
 * dials to pick up a call ringing in its pickup group; Asterisk's default `*8`). The DTMF feature
 * codes of `[featuremap]` (blind and attended transfer, disconnect, one-touch recording, parking)
 * and the sounds and timers of `[general]` are declared not implemented: phones transfer with
 * their own transfer key (REFER, docs/transfers.md).
 */
import { bool, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NO_DTMF_FEATURES = { implemented: false, hint: "DTMF feature codes are not implemented; phones transfer with their transfer key (REFER)" } as const;
const NO_SOUNDS = { implemented: false, hint: "no feature sounds are played" } as const;

const generalOptions = [
  str("pickupexten", "*8", "The extension a phone dials to pick up a call ringing in one of its pickup groups (pickup_group/named_pickup_group against the ringing endpoint's call_group/named_call_group)."),
  str("pickupsound", "", "Sound played to the picker on a successful pickup.", NO_SOUNDS),
  str("pickupfailsound", "", "Sound played to the picker when there was nothing to pick up.", NO_SOUNDS),
  uint("featuredigittimeout", 1000, "Milliseconds between the digits of a feature code.", NO_DTMF_FEATURES),
  uint("transferdigittimeout", 3, "Seconds between the digits of a transfer target.", NO_DTMF_FEATURES),
  str("courtesytone", "", "Sound played when a feature code is recognised.", NO_SOUNDS),
  str("xfersound", "beep", "Sound played when an attended transfer completes.", NO_SOUNDS),
  str("xferfailsound", "beeperr", "Sound played when a transfer fails.", NO_SOUNDS),
  uint("atxfernoanswertimeout", 15, "Seconds a DTMF attended transfer's target rings.", NO_DTMF_FEATURES),
  bool("atxferdropcall", false, "DTMF attended transfer: drop the call when the transferor hangs up before the target answers.", NO_DTMF_FEATURES),
  uint("atxferloopdelay", 10, "DTMF attended transfer: seconds between callback attempts.", NO_DTMF_FEATURES),
  uint("atxfercallbackretries", 2, "DTMF attended transfer: callback attempts.", NO_DTMF_FEATURES),
  str("atxferabort", "*1", "DTMF attended transfer: abort code.", NO_DTMF_FEATURES),
  str("atxfercomplete", "*2", "DTMF attended transfer: complete code.", NO_DTMF_FEATURES),
  str("atxferthreeway", "*3", "DTMF attended transfer: three-way code.", NO_DTMF_FEATURES),
  str("atxferswap", "*4", "DTMF attended transfer: swap code.", NO_DTMF_FEATURES),
  str("recordingfailsound", "", "Sound played when one-touch recording fails.", NO_SOUNDS),
  uint("transferdialattempts", 3, "Attempts to dial a DTMF transfer target.", NO_DTMF_FEATURES),
  str("transferretrysound", "", "Sound played before another transfer attempt.", NO_SOUNDS),
  str("transferinvalidsound", "", "Sound played for an invalid transfer target.", NO_SOUNDS),
] as const;

export type FeaturesGeneral = SchemaValues<typeof generalOptions>;

export const featuresGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "features.conf [general]: the pickup extension and the (not implemented) settings of DTMF features.",
  options: generalOptions,
};

const featuremapOptions = [
  str("blindxfer", "#1", "DTMF code for a blind transfer (Dial option t/T).", NO_DTMF_FEATURES),
  str("disconnect", "*0", "DTMF code that hangs up the other party (Dial option h/H).", NO_DTMF_FEATURES),
  str("automon", "*1", "DTMF code for one-touch recording (Dial option w/W).", NO_DTMF_FEATURES),
  str("atxfer", "*2", "DTMF code for an attended transfer (Dial option t/T).", NO_DTMF_FEATURES),
  str("parkcall", "#72", "DTMF code that parks the other party (Dial option k/K).", NO_DTMF_FEATURES),
  str("automixmon", "*3", "DTMF code for one-touch MixMonitor (Dial option x/X).", NO_DTMF_FEATURES),
] as const;

export type FeaturesFeaturemap = SchemaValues<typeof featuremapOptions>;

export const featuresFeaturemapSchema: ObjectSchema<typeof featuremapOptions> = {
  type: "featuremap",
  synopsis: "features.conf [featuremap]: DTMF feature codes (not implemented).",
  options: featuremapOptions,
};
