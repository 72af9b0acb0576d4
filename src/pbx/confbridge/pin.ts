/**
 * The PIN of a user profile (`pin=`), asked as app_confbridge asks it: sound_get_pin, then keys
 * up to `#` (or a pause of five seconds), three attempts, sound_invalid_pin after
 * each wrong one. A key pressed during the prompt stops it and counts as the first key.
 */
import type { DialplanChannel } from "../dialplan/channel.js";

export const PIN_ATTEMPTS = 3;
/** How long the caller may pause between keys (and before the first, after the prompt). */
const KEY_TIMEOUT_MS = 5000;
const KEYS = "0123456789*#";
/** Enough keys for any PIN someone would type; more ends the attempt. */
const MAX_KEYS = 32;

/** Reads one entry: keys until #, a pause, or MAX_KEYS. */
async function readEntry(ch: DialplanChannel, first: string | undefined): Promise<string> {
  let entry = "";
  let key = first;
  for (;;) {
    key ??= await ch.readDigit?.(KEY_TIMEOUT_MS);
    if (key === undefined || key === "#") return entry;
    entry += key;
    if (entry.length >= MAX_KEYS) return entry;
    key = undefined;
  }
}

/** True once the caller entered `pin`; false after PIN_ATTEMPTS wrong entries or a hangup. */
export async function askPin(ch: DialplanChannel, pin: string, getPin: string, invalidPin: string): Promise<boolean> {
  for (let attempt = 0; attempt < PIN_ATTEMPTS; attempt++) {
    if (ch.hungUp()) return false;
    let first: string | undefined;
    if (getPin.length > 0) {
      if (ch.play !== undefined) {
        const r = await ch.play(getPin, KEYS);
        if (r.status === "interrupted") first = r.digit;
      } else await ch.playback(getPin);
    }
    const entry = await readEntry(ch, first);
    if (entry === pin) return true;
    if (ch.hungUp()) return false;
    if (invalidPin.length > 0) await ch.playback(invalidPin);
  }
  return false;
}
