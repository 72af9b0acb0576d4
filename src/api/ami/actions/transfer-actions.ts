/**
 * Transfer actions: BlindTransfer (the channel's other party goes to Exten@Context, the channel
 * is hung up, as a phone's blind REFER does). Atxfer: the DTMF attended transfer started from
 * AMI — the channel's other party is held and the channel consults Exten@Context
 * (docs/features.md).
 */
import { failure, success, type AmiAction } from "../ami-action.js";

type TransferOutcome = "ok" | "no-channel" | "not-bridged" | "no-extension";

export interface TransferActionServices {
  blind(channel: string, exten: string, context: string | undefined): TransferOutcome;
  attended(channel: string, exten: string, context: string | undefined): TransferOutcome;
}

function answer(outcome: TransferOutcome, ok: string) {
  switch (outcome) {
    case "ok":
      return success(ok);
    case "no-channel":
      return failure("Channel specified does not exist");
    case "not-bridged":
      return failure("Transfer failed: the channel is not in a two-party call");
    case "no-extension":
      return failure("Transfer failed: no such extension");
  }
}

/** BlindTransfer and Atxfer take the same headers: the transferer's Channel, Exten, Context. */
function transferAction(name: string, synopsis: string, run: TransferActionServices["blind"], ok: string): AmiAction {
  return {
    name,
    privilege: ["call"],
    synopsis,
    handle(req) {
      const channel = req.get("Channel") ?? "";
      const exten = req.get("Exten") ?? "";
      if (channel === "") return failure("No channel specified");
      if (exten === "") return failure("No extension specified");
      return answer(run(channel, exten, req.get("Context")), ok);
    },
  };
}

export function transferActions(s: TransferActionServices): AmiAction[] {
  return [
    transferAction("BlindTransfer", "Blind transfer channel(s) to the given destination", (c, e, x) => s.blind(c, e, x), "Transfer succeeded"),
    transferAction("Atxfer", "Attended transfer", (c, e, x) => s.attended(c, e, x), "Atxfer successfully queued"),
  ];
}
