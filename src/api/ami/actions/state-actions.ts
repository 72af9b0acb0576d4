/**
 * Mailbox and state actions: MailboxCount and MailboxStatus (voicemail.conf mailboxes),
 * DeviceStateList (every endpoint's device, as DeviceStateChange events) and ExtensionState
 * (the extension's hint and its state; Status -1 for an extension without a hint, as Asterisk).
 */
import type { DeviceState } from "../../../pbx/events.js";
import type { Voicemail } from "../../../pbx/voicemail/voicemail.js";
import { failure, listReply, success, type AmiAction, type AmiFields } from "../ami-action.js";

export interface StateActionServices {
  voicemail: () => Voicemail | undefined;
  endpoints: () => string[];
  deviceState: (endpoint: string) => DeviceState;
  extensionState: (exten: string, context: string) => { hint: string; status: number; text: string } | undefined;
}

export function stateActions(s: StateActionServices): AmiAction[] {
  const mailbox = (spec: string | undefined): { key: string; n: { new: number; old: number } } | string => {
    if (spec === undefined || spec.length === 0) return "Mailbox not specified";
    const vm = s.voicemail();
    const key = spec.includes("@") ? spec : `${spec}@default`;
    const box = vm?.find(key);
    // Asterisk answers a mailbox it does not know with zero counts, not an error.
    return { key, n: box !== undefined && vm !== undefined ? vm.counts(box) : { new: 0, old: 0 } };
  };
  return [
    {
      name: "MailboxCount",
      privilege: ["call", "reporting"],
      synopsis: "Check Mailbox Message Count.",
      handle(req) {
        const m = mailbox(req.get("Mailbox"));
        if (typeof m === "string") return failure(m);
        return success("Mailbox Message Count", [["Mailbox", m.key], ["UrgMessages", 0], ["NewMessages", m.n.new], ["OldMessages", m.n.old]]);
      },
    },
    {
      name: "MailboxStatus",
      privilege: ["call", "reporting"],
      synopsis: "Check mailbox.",
      handle(req) {
        const m = mailbox(req.get("Mailbox"));
        if (typeof m === "string") return failure(m);
        return success("Mailbox Status", [["Mailbox", m.key], ["Waiting", m.n.new > 0 ? 1 : 0]]);
      },
    },
    {
      name: "DeviceStateList",
      privilege: ["call", "reporting"],
      synopsis: "List the current known device states.",
      handle() {
        const items = s
          .endpoints()
          .sort()
          .map((id): AmiFields => [["Event", "DeviceStateChange"], ["Device", `PJSIP/${id}`], ["State", s.deviceState(id)]]);
        return listReply("Device State Changes will follow", items, "DeviceStateListComplete");
      },
    },
    {
      name: "ExtensionState",
      privilege: ["call", "reporting"],
      synopsis: "Check Extension Status.",
      handle(req) {
        const exten = req.get("Exten") ?? "";
        const context = req.get("Context") ?? "default";
        const h = s.extensionState(exten, context);
        return success("Extension Status", [["Exten", exten], ["Context", context], ["Hint", h?.hint ?? ""], ["Status", h?.status ?? -1], ["StatusText", h?.text ?? "Unknown"]]);
      },
    },
  ];
}
