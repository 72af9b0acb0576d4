/**
 * The conference mix, one frame at a time: every member hears the sum of all the others (a
 * "mix-minus": the whole mix minus its own voice), so nobody hears themselves back.
 *
 * The sum is taken once in 32-bit integers (N members cost 2N additions per sample, not N²),
 * and each member's frame is that sum less its own contribution, clipped to the 16-bit range
 * only at the end: a loud pair of talkers saturates at full scale instead of wrapping around
 * (which would sound as a crackle of sign flips).
 */

/** Clips a 32-bit sum to what 16-bit linear audio holds. */
export function clip16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/**
 * Mixes one frame. `inputs[i]` is what member i said (undefined: nothing, e.g. muted or silent),
 * each `frameSamples` long or shorter (the rest counts as silence). Returns, per member, what it
 * hears: every other member's audio added and clipped. A member whose frame would be all silence
 * gets `undefined`, so the caller can skip the work (it still has to send something in time).
 */
export function mixMinus(inputs: ReadonlyArray<Int16Array | undefined>, frameSamples: number): Array<Int16Array | undefined> {
  const total = new Int32Array(frameSamples);
  let talkers = 0;
  for (const input of inputs) {
    if (input === undefined) continue;
    talkers++;
    const n = Math.min(frameSamples, input.length);
    for (let s = 0; s < n; s++) total[s] = (total[s] as number) + (input[s] as number);
  }
  return inputs.map((own) => {
    const others = talkers - (own === undefined ? 0 : 1);
    if (others === 0) return undefined;
    const out = new Int16Array(frameSamples);
    if (own === undefined) {
      for (let s = 0; s < frameSamples; s++) out[s] = clip16(total[s] as number);
      return out;
    }
    const n = Math.min(frameSamples, own.length);
    for (let s = 0; s < n; s++) out[s] = clip16((total[s] as number) - (own[s] as number));
    for (let s = n; s < frameSamples; s++) out[s] = clip16(total[s] as number);
    return out;
  });
}
