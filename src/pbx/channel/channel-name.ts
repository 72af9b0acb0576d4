/** Channel names like Asterisk's: `PJSIP/<endpoint>-<8 hex digits of a global counter>`. */
let counter = 0;

export function nextChannelName(endpoint: string): string {
  counter = (counter + 1) >>> 0;
  return `PJSIP/${endpoint}-${counter.toString(16).padStart(8, "0")}`;
}

let callidCounter = 0;

/**
 * Asterisk's call id (`C-0000000a`): one per call, shared by the caller's channel and the
 * channels Dial() creates for it, shown as `[C-0000000a]` in log lines when use_callids is on.
 */
export function nextCallId(): string {
  callidCounter = (callidCounter + 1) >>> 0;
  return `C-${callidCounter.toString(16).padStart(8, "0")}`;
}

let uniqueCounter = 0;

/** `${UNIQUEID}`: epoch seconds and a sequence, as Asterisk writes it. */
export function nextUniqueId(nowMs: number): string {
  uniqueCounter++;
  return `${Math.floor(nowMs / 1000)}.${uniqueCounter}`;
}
