/**
 * Transfer actions: BlindTransfer (the channel's other party goes to Exten@Context, the channel
 * is hung up, as a phone's blind REFER does). Atxfer (Asterisk's DTMF attended-transfer feature
 * started from AMI) is answered with an error that says it is not implemented.
 */
import { failure, success, type AmiAction } from "../ami-action.js";

export interface TransferActionServices {
  blind(channel: string, exten: string, context: string | undefined): "ok" | "no-channel" | "not-bridged" | "no-extension";
}

export function transferActions(s: TransferActionServices): AmiAction[] {
  return [
    {
      name: "BlindTransfer",
      privilege: ["call"],
      synopsis: "Blind transfer channel(s) to the given destination",
      handle(req) {
        const channel = req.get("Channel") ?? "";
        const exten = req.get("Exten") ?? "";
        if (channel === "") return failure("No channel specified");
        if (exten === "") return failure("No extension specified");
        switch (s.blind(channel, exten, req.get("Context"))) {
          case "ok":
            return success("Transfer succeeded");
          case "no-channel":
            return failure(`Channel specified does not exist`);
          case "not-bridged":
            return failure("Transfer failed: the channel is not in a two-party call");
          case "no-extension":
            return failure("Transfer failed: no such extension");
        }
      },
    },
    {
      name: "Atxfer",
      privilege: ["call"],
      synopsis: "Attended transfer",
      handle() {
        return failure("Atxfer is not implemented: Switchboard has no DTMF attended-transfer feature yet; phones transfer with their transfer key (REFER with Replaces)");
      },
    },
  ];
}
