/**
 * Extension states from device states, as Asterisk computes a hint's state: each device of the
 * hint (`PJSIP/2001&PJSIP/2002`) has a device state, and the hint's extension state is their
 * aggregate — unavailable only when every device is, busy when one is, ringing and in use
 * together as `InUse&Ringing`. The numbers are AMI's `Status` (AST_EXTENSION_* bit values).
 */
import type { DeviceState } from "../events.js";

export const EXTENSION_STATUS = { Idle: 0, InUse: 1, Busy: 2, Unavailable: 4, Ringing: 8, "InUse&Ringing": 9, Hold: 16, "InUse&Hold": 17, Unknown: -1 } as const;
export type ExtensionStatusText = keyof typeof EXTENSION_STATUS;

/** `EXTENSION_STATE()`'s words for each status (func_extstate). */
const FUNC_WORDS: Readonly<Record<ExtensionStatusText, string>> = {
  Idle: "NOT_INUSE",
  InUse: "INUSE",
  Busy: "BUSY",
  Unavailable: "UNAVAILABLE",
  Ringing: "RINGING",
  "InUse&Ringing": "RINGINUSE",
  Hold: "ONHOLD",
  "InUse&Hold": "HOLDINUSE",
  Unknown: "UNKNOWN",
};

export function extensionStateWord(text: ExtensionStatusText): string {
  return FUNC_WORDS[text];
}

/** The devices a hint names: `PJSIP/2001&PJSIP/2002` (a presence part after `,` is left out). */
export function hintDevices(hint: string): string[] {
  return (hint.split(",")[0] ?? "")
    .split("&")
    .map((d) => d.trim())
    .filter((d) => d !== "");
}

/** The aggregate extension state of the devices' states. */
export function extensionStateOf(states: readonly DeviceState[]): ExtensionStatusText {
  if (states.length === 0) return "Unknown";
  if (states.every((s) => s === "UNAVAILABLE" || s === "INVALID")) return "Unavailable";
  if (states.some((s) => s === "BUSY")) return "Busy";
  const ringing = states.some((s) => s === "RINGING" || s === "RINGINUSE");
  const inuse = states.some((s) => s === "INUSE" || s === "RINGINUSE");
  const hold = states.some((s) => s === "ONHOLD");
  if (ringing) return inuse ? "InUse&Ringing" : "Ringing";
  if (hold) return inuse ? "InUse&Hold" : "Hold";
  if (inuse) return "InUse";
  if (states.every((s) => s === "UNKNOWN")) return "Unknown";
  return "Idle";
}
