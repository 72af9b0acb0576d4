/**
 * The contract of an AMI action: its name (matched case-insensitively, as Asterisk does), the
 * write class a user needs to send it (none for Ping, Login …), a one-line synopsis for
 * ListCommands and `manager show commands`, and a handler that turns the request into a reply.
 *
 * A reply is the response message and, for list actions, the events that follow it
 * (`EventList: start` … `XxxComplete` with `ListItems`); the session adds `ActionID` to each.
 */
import type { ManagerClass, ManagerUser } from "../../config/index.js";
import type { AmiMessage, AmiValue } from "./ami-message.js";

export type AmiFields = Array<readonly [string, AmiValue]>;

export interface AmiReply {
  /** `Success`, `Error`, `Goodbye`; Asterisk's older Command answer was `Follows`. */
  response: "Success" | "Error" | "Goodbye" | "Follows";
  fields: AmiFields;
  /** Events sent after the response, each starting with its `Event:` field. */
  events?: AmiFields[];
  /**
   * Asterisk 13's `Response: Follows` body: the text as it is, then `--END COMMAND--` (written
   * after the fields in place of the message's empty line).
   */
  follows?: string;
  /** Events written after those, without the ActionID (FullyBooted after a Login). */
  trailing?: AmiFields[];
  /** Close the connection once this reply is written (Logoff, a failed Login). */
  close?: boolean;
}

/** What a handler knows of the session that sent the action. */
export interface AmiCaller {
  readonly user: ManagerUser | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** TCP or TLS. */
  readonly transport: "TCP" | "TLS";
  readonly id: number;
  /** Events sent after the reply, later (OriginateResponse of an Async originate). */
  sendEvent(name: string, fields: AmiFields, actionId?: string): void;
}

export interface AmiAction {
  readonly name: string;
  /** Write classes, any one of which allows the action; empty: every logged-in user may send it. */
  readonly privilege: readonly ManagerClass[];
  readonly synopsis: string;
  handle(req: AmiMessage, caller: AmiCaller): AmiReply | Promise<AmiReply>;
}

export function success(message: string | undefined, fields: AmiFields = []): AmiReply {
  return { response: "Success", fields: message === undefined ? fields : [["Message", message], ...fields] };
}

export function failure(message: string): AmiReply {
  return { response: "Error", fields: [["Message", message]] };
}

/**
 * A list action's reply: `Response: Success`, `EventList: start`, the message, the items as
 * events, then `<complete>` with `EventList: Complete` and `ListItems` (astman_send_list_complete).
 */
export function listReply(message: string, items: AmiFields[], complete: string, extra: AmiFields = []): AmiReply {
  return {
    response: "Success",
    fields: [["EventList", "start"], ["Message", message]],
    events: [...items, [["Event", complete], ["EventList", "Complete"], ["ListItems", items.length], ...extra]],
  };
}

/** Actions by lower-case name; registering returns the unregister. */
export class AmiActionRegistry {
  private readonly byName = new Map<string, AmiAction>();

  register(action: AmiAction): () => void {
    const key = action.name.toLowerCase();
    if (this.byName.has(key)) throw new Error(`AMI action '${action.name}' is registered twice`);
    this.byName.set(key, action);
    return () => {
      if (this.byName.get(key) === action) this.byName.delete(key);
    };
  }

  find(name: string): AmiAction | undefined {
    return this.byName.get(name.toLowerCase());
  }

  list(): AmiAction[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** `write=` allows the action: no privilege needed, or the user holds one of its classes. */
export function mayWrite(user: ManagerUser | undefined, action: AmiAction): boolean {
  if (action.privilege.length === 0) return true;
  return user !== undefined && action.privilege.some((c) => user.write.has(c));
}
