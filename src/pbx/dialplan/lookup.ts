/**
 * Finding the extension a call runs: exact names first, then patterns from most to least
 * specific, then the included contexts depth-first in the order they are listed.
 */
import { matchPattern, patternMatchesMore } from "./pattern.js";
import type { Dialplan, DialplanContext, DialplanExtension, DialplanPriority } from "./types.js";

export interface ExtensionMatch {
  /** The context that holds the extension (an included one when found through `include =>`). */
  readonly context: DialplanContext;
  readonly extension: DialplanExtension;
}

function extensionMatches(ext: DialplanExtension, exten: string, callerNum: string | undefined): boolean {
  const nameOk = ext.pattern !== undefined ? matchPattern(ext.pattern, exten) : ext.name === exten;
  if (!nameOk) return false;
  if (ext.cidMatch === undefined) return true;
  if (callerNum === undefined) return false;
  return ext.cidPattern !== undefined ? matchPattern(ext.cidPattern, callerNum) : ext.cidMatch === callerNum;
}

/** Looks `exten` up in `context` and its includes; undefined when nothing matches. */
export function findExtension(dialplan: Dialplan, context: string, exten: string, callerNum?: string): ExtensionMatch | undefined {
  const visited = new Set<string>();
  const search = (name: string): ExtensionMatch | undefined => {
    // An include loop (a includes b includes a) must end the search, not recurse forever.
    if (visited.has(name)) return undefined;
    visited.add(name);
    const ctx = dialplan.contexts.get(name);
    if (ctx === undefined) return undefined;
    for (const ext of ctx.extensions) {
      // A hint alone (`exten => 2001,hint,PJSIP/2001`) is not something to run: a pattern may still match.
      if (ext.priorities.length === 0) continue;
      if (extensionMatches(ext, exten, callerNum)) return { context: ctx, extension: ext };
    }
    for (const inc of ctx.includes) {
      const found = search(inc.context);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(context);
}

/**
 * True when some extension of `context` (or its includes) is longer than `prefix` and starts
 * with it: the caller may still be dialling (Asterisk's ast_matchmore_extension).
 */
export function canMatchMore(dialplan: Dialplan, context: string, prefix: string, callerNum?: string): boolean {
  const visited = new Set<string>();
  const search = (name: string): boolean => {
    if (visited.has(name)) return false;
    visited.add(name);
    const ctx = dialplan.contexts.get(name);
    if (ctx === undefined) return false;
    for (const ext of ctx.extensions) {
      if (ext.cidMatch !== undefined) {
        if (callerNum === undefined) continue;
        if (!(ext.cidPattern !== undefined ? matchPattern(ext.cidPattern, callerNum) : ext.cidMatch === callerNum)) continue;
      }
      if (ext.pattern !== undefined ? patternMatchesMore(ext.pattern, prefix) : ext.name.length > prefix.length && ext.name.startsWith(prefix)) return true;
    }
    return ctx.includes.some((inc) => search(inc.context));
  };
  return search(context);
}

/** The priority with that number, if the extension has it. */
export function findPriority(ext: DialplanExtension, priority: number): DialplanPriority | undefined {
  return ext.priorities.find((p) => p.priority === priority);
}

/** Resolves a label (case-sensitive, as Asterisk) to its priority number. */
export function findLabel(ext: DialplanExtension, label: string): number | undefined {
  return ext.priorities.find((p) => p.label === label)?.priority;
}
