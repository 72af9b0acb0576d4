/**
 * Dialplan functions (`${CALLERID(num)}`, `Set(CALLERID(name)=…)`): a registry that feature
 * modules add to and remove from, as Asterisk modules register theirs.
 */
import { PbxError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { DialplanChannel } from "../dialplan/channel.js";

/** What a function sees of the running call. */
export interface FuncContext {
  readonly channel: DialplanChannel;
  /** Global variables, shared by every call. */
  readonly globals: Map<string, string>;
  readonly log: Logger;
}

export interface DialplanFunction {
  /** Upper case, as written in the dialplan: `CALLERID`. */
  readonly name: string;
  /** One line for listings: `Gets or sets Caller*ID data on the channel.` */
  readonly synopsis: string;
  /** `args` is the substituted text between the parentheses. */
  read?(ctx: FuncContext, args: string): string;
  write?(ctx: FuncContext, args: string, value: string): void;
}

/** Functions by name, looked up case-insensitively like Asterisk's. */
export class FuncRegistry {
  private readonly funcs = new Map<string, DialplanFunction>();

  /** Adds a function; returns the matching unregister. Registering a name twice is a programming error. */
  register(fn: DialplanFunction): () => void {
    const key = fn.name.toUpperCase();
    if (this.funcs.has(key)) throw new PbxError("INVALID_ARGUMENT", `dialplan function ${fn.name} is already registered`);
    this.funcs.set(key, fn);
    return () => {
      if (this.funcs.get(key) === fn) this.funcs.delete(key);
    };
  }

  get(name: string): DialplanFunction | undefined {
    return this.funcs.get(name.toUpperCase());
  }

  names(): string[] {
    return [...this.funcs.keys()].sort();
  }
}
