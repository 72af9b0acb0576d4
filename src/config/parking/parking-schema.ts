/**
 * res_parking.conf: parking lots. Each section but `[general]` is a lot; the lot `default`
 * exists without the file, with Asterisk's defaults (parkext 700, spaces 701-720 in context
 * `parkedcalls`, 45 s, back to the parker). The lot's extensions are made in its context, which
 * the phones' context must `include => parkedcalls` to reach.
 */
import { bool, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;

const lotOptions = [
  str("parkext", "700", "The extension that parks a call in this lot (made in the lot's context; empty: none)."),
  str("parkpos", "701-720", "The parking spaces: a range of extensions, each made in the lot's context to retrieve its call (ParkedCall)."),
  str("context", "parkedcalls", "The context the lot's extensions are made in."),
  uint("parkingtime", 45, "Seconds a call stays parked before it comes back (0: until retrieved)."),
  bool("comebacktoorigin", true, "yes: a call whose time is up rings the phone that parked it (for comebackdialtime); no: it goes to comebackcontext."),
  uint("comebackdialtime", 30, "Seconds a timed-out call rings the phone that parked it."),
  str("comebackcontext", "parkedcallstimeout", "comebacktoorigin=no: the context a timed-out call goes to, at the parker's flattened channel name (PJSIP_2001), else s."),
  str("parkedmusicclass", "", "Music on hold class parked calls hear (empty: the channel's, else default)."),
  oneOf("findslot", ["first", "next"] as const, "first", "first: the lowest free space; next: the one after the space given last."),
  bool("parkext_exclusive", false, "yes: the parkext extension parks in this lot only (Park(<lot>)); no: in the channel's PARKINGLOT, else default (Park())."),
  bool("parkinghints", false, "Make hints for the parking spaces.", NOT_YET),
  oneOf("parkedplay", ["caller", "callee", "both", "no"] as const, "caller", "Who hears the courtesy tone when a parked call is picked up.", NOT_YET),
  oneOf("parkedcalltransfers", ["caller", "callee", "both", "no"] as const, "no", "DTMF transfer feature in a retrieved call.", NOT_YET),
  oneOf("parkedcallreparking", ["caller", "callee", "both", "no"] as const, "no", "DTMF parking feature in a retrieved call.", NOT_YET),
  oneOf("parkedcallhangup", ["caller", "callee", "both", "no"] as const, "no", "DTMF disconnect feature in a retrieved call.", NOT_YET),
  oneOf("parkedcallrecording", ["caller", "callee", "both", "no"] as const, "no", "DTMF one-touch recording in a retrieved call.", NOT_YET),
  str("courtesytone", "", "Sound played when a parked call is picked up.", NOT_YET),
] as const;

export type ParkingLotValues = SchemaValues<typeof lotOptions>;

export const parkingLotSchema: ObjectSchema<typeof lotOptions> = {
  type: "lot",
  synopsis: "res_parking.conf: a parking lot (any section but [general]).",
  options: lotOptions,
};

const generalOptions = [bool("parkeddynamic", false, "Make lots at run time from PARKINGDYNAMIC variables.", NOT_YET)] as const;

export type ParkingGeneral = SchemaValues<typeof generalOptions>;

export const parkingGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "res_parking.conf [general].",
  options: generalOptions,
};
