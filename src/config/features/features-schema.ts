/**
 * features.conf: call features. `[general] pickupexten` is the extension a phone dials to pick
 * up a call ringing in its pickup group (Asterisk's default `*8`). `[featuremap]` holds the DTMF
 * feature codes a party of a call bridged by Dial() may press when Dial's options allow it
 * (pbx/features, docs/features.md): blind transfer, disconnect, parking, one-touch MixMonitor.
 * Asterisk's built-in codes are `#` (blindxfer) and `*` (disconnect); the others are off until
 * set. The attended transfer's three-way and swap steps, its callbacks and the feature sounds
 * are declared not implemented.
 */
import { bool, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NO_ATXFER = { implemented: false, hint: "a transferer that hangs up while the target still rings sends the transferee to the target's extension, which rings it anew; there is no callback" } as const;
const NO_THREEWAY = { implemented: false, hint: "a DTMF attended transfer's consultation has no three-way or swap step: the transferer completes (atxfercomplete, or hangs up) or aborts (atxferabort)" } as const;
const NO_SOUNDS = { implemented: false, hint: "no feature sounds are played" } as const;

const generalOptions = [
  str("pickupexten", "*8", "The extension a phone dials to pick up a call ringing in one of its pickup groups (pickup_group/named_pickup_group against the ringing endpoint's call_group/named_call_group)."),
  str("pickupsound", "", "Sound played to the picker on a successful pickup.", NO_SOUNDS),
  str("pickupfailsound", "", "Sound played to the picker when there was nothing to pick up.", NO_SOUNDS),
  uint("featuredigittimeout", 1000, "Milliseconds between the digits of a feature code; keys that begin a code are held back that long, then passed on."),
  uint("transferdigittimeout", 3, "Seconds between the digits of a blind transfer's target; the target is complete after that long without a key."),
  str("courtesytone", "", "Sound played when a feature code is recognised.", NO_SOUNDS),
  str("xfersound", "beep", "Sound played when an attended transfer completes.", NO_SOUNDS),
  str("xferfailsound", "beeperr", "Sound played when a transfer fails.", NO_SOUNDS),
  uint("atxfernoanswertimeout", 15, "Seconds a DTMF attended transfer's target may ring before the transferer is back with the transferee."),
  bool("atxferdropcall", false, "DTMF attended transfer: drop the call when the transferor hangs up before the target answers.", NO_ATXFER),
  uint("atxferloopdelay", 10, "DTMF attended transfer: seconds between callback attempts.", NO_ATXFER),
  uint("atxfercallbackretries", 2, "DTMF attended transfer: callback attempts.", NO_ATXFER),
  str("atxferabort", "*1", "DTMF attended transfer: the code that ends the consultation (the target is hung up) and brings the transferer back to the transferee; empty: off."),
  str("atxfercomplete", "*2", "DTMF attended transfer: the code that completes the transfer (the transferee and the target talk, the transferer leaves); empty: off. Hanging up completes it too."),
  str("atxferthreeway", "*3", "DTMF attended transfer: three-way code.", NO_THREEWAY),
  str("atxferswap", "*4", "DTMF attended transfer: swap code.", NO_THREEWAY),
  str("recordingfailsound", "", "Sound played when one-touch recording fails.", NO_SOUNDS),
  uint("transferdialattempts", 3, "Attempts at entering a valid blind transfer target; after that the transferer is back in the call."),
  str("transferannouncesound", "pbx-transfer", "Sound played to the transferer before it dials a blind transfer's target; empty: none."),
  str("transferretrysound", "pbx-invalid", "Sound played after a blind transfer target that is no extension, before the next attempt; empty: none."),
  str("transferinvalidsound", "privacy-incorrect", "Sound played when the last attempt at a blind transfer target failed; empty: none."),
] as const;

export type FeaturesGeneral = SchemaValues<typeof generalOptions>;

export const featuresGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "features.conf [general]: the pickup extension and the timers of DTMF features.",
  options: generalOptions,
};

const featuremapOptions = [
  str("blindxfer", "#", "DTMF code for a blind transfer (Dial option t: the called party may, T: the calling party); empty: off. The sample file suggests #1."),
  str("disconnect", "*", "DTMF code that hangs up the call (Dial option h: the called party may, H: the calling party); empty: off. The sample file suggests *0."),
  str("automon", "", "DTMF code for one-touch Monitor (Dial option w/W).", { implemented: false, hint: "Monitor() is gone from Asterisk 21 on, and so is automon; use automixmon (Dial option x/X)" }),
  str("atxfer", "", "DTMF code for an attended transfer (Dial option t: the called party may, T: the calling party): the other party is held, the presser dials the target and talks with it first; empty: off. The sample file suggests *2."),
  str("parkcall", "", "DTMF code that parks the other party in the default parking lot (Dial option k: the called party may, K: the calling party); empty: off. The sample file suggests #72."),
  str("automixmon", "", "DTMF code that starts and stops MixMonitor on the call (Dial option x: the called party may, X: the calling party); empty: off. The sample file suggests *3."),
] as const;

export type FeaturesFeaturemap = SchemaValues<typeof featuremapOptions>;

export const featuresFeaturemapSchema: ObjectSchema<typeof featuremapOptions> = {
  type: "featuremap",
  synopsis: "features.conf [featuremap]: the DTMF feature codes of bridged calls.",
  options: featuremapOptions,
};
