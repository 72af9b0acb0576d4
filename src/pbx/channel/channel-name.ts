/** Channel names like Asterisk's: `PJSIP/<endpoint>-<8 hex digits of a global counter>`. */
let counter = 0;

export function nextChannelName(endpoint: string): string {
  counter = (counter + 1) >>> 0;
  return `PJSIP/${endpoint}-${counter.toString(16).padStart(8, "0")}`;
}

let uniqueCounter = 0;

/** `${UNIQUEID}`: epoch seconds and a sequence, as Asterisk writes it. */
export function nextUniqueId(nowMs: number): string {
  uniqueCounter++;
  return `${Math.floor(nowMs / 1000)}.${uniqueCounter}`;
}
