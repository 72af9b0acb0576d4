/**
 * Dialplan applications (`Answer`, `Dial` …): a registry that feature modules add to, as
 * Asterisk modules register theirs, and the view of the running call an application gets.
 */
import { PbxError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { DialplanChannel } from "../dialplan/channel.js";

/** `continue` runs the next priority (or the Goto target); `hangup` ends the dialplan. */
export type AppResult = "continue" | "hangup";

/** What an application sees while it runs. */
export interface AppContext {
  readonly channel: DialplanChannel;
  readonly log: Logger;
  /** Where the call is: the priority running this application. */
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  /** Arguments split on top-level commas, then substituted. */
  readonly args: readonly string[];
  /** All arguments as one substituted string (`Set` reads this). */
  readonly data: string;
  /** The arguments as written, before substitution (`GotoIf` splits on `?` and `:` first). */
  readonly rawData: string;
  substitute(text: string): string;
  getVar(name: string): string | undefined;
  /** Sets a channel variable, or writes a function when the name is `FUNC(args)`. Empty value unsets. */
  setVar(name: string, value: string): void;
  /**
   * Moves the call to `[[context,]exten,]priority|label` (already substituted parts). Returns
   * false, after a warning, when the label does not exist: the caller should hang up.
   */
  goto(target: readonly string[]): boolean;
  /**
   * What `exten` is in `context` (default: the current one): an extension (`exists`), the start
   * of a longer one (`more`), both, or neither. Background and WaitExten decide with it when the
   * caller has dialled enough.
   */
  extensionState(exten: string, context?: string): { exists: boolean; more: boolean };
  /** Hangs the call up with a Q.850 cause and records `${HANGUPCAUSE}`. */
  hangup(cause?: number): Promise<void>;
  /** Records that the application already ended the call (Busy, Congestion) with this cause. */
  markEnded(cause: number): void;
}

export interface DialplanApp {
  /** As documented: `Answer`. Looked up case-insensitively. */
  readonly name: string;
  /** One line for listings. */
  readonly synopsis: string;
  /** `Dial(Technology/Resource[&Technology2/Resource2[&...]],[timeout,[options]])` */
  readonly syntax: string;
  execute(ctx: AppContext): Promise<AppResult>;
}

/** Applications by name. */
export class AppRegistry {
  private readonly apps = new Map<string, DialplanApp>();

  /** Adds an application; returns the matching unregister. Registering a name twice is a programming error. */
  register(app: DialplanApp): () => void {
    const key = app.name.toLowerCase();
    if (this.apps.has(key)) throw new PbxError("INVALID_ARGUMENT", `dialplan application ${app.name} is already registered`);
    this.apps.set(key, app);
    return () => {
      if (this.apps.get(key) === app) this.apps.delete(key);
    };
  }

  get(name: string): DialplanApp | undefined {
    return this.apps.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.apps.has(name.toLowerCase());
  }

  names(): string[] {
    return [...this.apps.values()].map((a) => a.name).sort();
  }
}
