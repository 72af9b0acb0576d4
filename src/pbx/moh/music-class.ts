/**
 * CHANNEL(musicclass): the music on hold class a channel prefers, kept beside the channel (keyed
 * by its variables map, so it goes when the channel goes) rather than as a channel variable, as
 * Asterisk keeps it in the channel and reports no VarSet for it.
 */
const classes = new WeakMap<ReadonlyMap<string, string>, string>();

/** The class set with CHANNEL(musicclass)=…, or undefined. */
export function channelMusicClass(vars: ReadonlyMap<string, string>): string | undefined {
  return classes.get(vars);
}

/** Sets (or, with an empty name, clears) the channel's class. */
export function setChannelMusicClass(vars: ReadonlyMap<string, string>, name: string): void {
  const n = name.trim();
  if (n.length === 0) classes.delete(vars);
  else classes.set(vars, n);
}
