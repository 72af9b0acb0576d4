/**
 * The compiled dialplan: contexts of extensions of priorities, as read from extensions.conf.
 * Immutable once compiled; a reload builds a new one and swaps it in.
 */
import type { ExtensionPattern } from "./pattern.js";

/** Where a dialplan element was written, for `dialplan show` and diagnostics. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** One step of an extension: `exten => 600,1(start),Answer()`. */
export interface DialplanPriority extends SourceRef {
  readonly priority: number;
  readonly label?: string;
  /** Application name as written (`Answer`); looked up case-insensitively. */
  readonly app: string;
  /** The raw text between the parentheses, variables not yet substituted. */
  readonly appData: string;
}

export interface DialplanHint extends SourceRef {
  /** `PJSIP/6001&PJSIP/6001b` */
  readonly devices: string;
}

/** All priorities of one extension name (literal or `_pattern`) in one context. */
export interface DialplanExtension extends SourceRef {
  /** As written: `600`, `s`, `_10XX`. */
  readonly name: string;
  /** Present when the name starts with `_`. */
  readonly pattern?: ExtensionPattern;
  /** `exten => 100/5551234,…`: only matches calls from that caller number (literal or `_pattern`). */
  readonly cidMatch?: string;
  readonly cidPattern?: ExtensionPattern;
  /** Sorted by priority number. */
  readonly priorities: DialplanPriority[];
  hint?: DialplanHint;
}

export interface DialplanInclude extends SourceRef {
  readonly context: string;
  /** The time restriction text after the context name, kept but not enforced yet. */
  readonly timing?: string;
}

export interface DialplanContext extends SourceRef {
  readonly name: string;
  /** In Asterisk's match order: literals first, then patterns from most to least specific. */
  readonly extensions: DialplanExtension[];
  readonly includes: DialplanInclude[];
  readonly ignorePatterns: string[];
}

/** `[general]` settings of extensions.conf that change execution. */
export interface DialplanGeneral {
  /** Hang up when the dialplan runs out of priorities (Asterisk default yes). */
  readonly autofallthrough: boolean;
  /** Drop globals set at run time on reload (Asterisk default no). */
  readonly clearglobalvars: boolean;
}

export interface Dialplan {
  /** Context name → context, in the order first defined. */
  readonly contexts: ReadonlyMap<string, DialplanContext>;
  /** `[globals]` as written. */
  readonly globals: ReadonlyMap<string, string>;
  readonly general: DialplanGeneral;
}

/** An empty dialplan (no extensions.conf): every call is rejected as "extension not found". */
export function emptyDialplan(): Dialplan {
  return { contexts: new Map(), globals: new Map(), general: { autofallthrough: true, clearglobalvars: false } };
}
