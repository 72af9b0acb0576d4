/**
 * `/mailboxes`: voicemail.conf's mailboxes (`box@context`) with their new and old message
 * counts, read only. DEVIATION: Asterisk lists here the mailboxes an application controls
 * (res_mwi_external) and lets it set their counts; Switchboard has no external MWI, so it shows
 * the voicemail mailboxes instead, and PUT/DELETE are not implemented.
 */
import type { Voicemail } from "../../../pbx/voicemail/voicemail.js";
import { AriError, pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";

export const MAILBOX_MODELS: readonly AriModel[] = [
  {
    id: "Mailbox",
    description: "Represents the state of a mailbox.",
    properties: { name: prop("string", "Name of the mailbox (box@context)."), old_messages: prop("int", "Count of old messages in the mailbox."), new_messages: prop("int", "Count of new messages in the mailbox.") },
  },
];

export function mailboxesResource(voicemail: () => Voicemail | undefined): AriResource {
  return {
    name: "mailboxes",
    description: "Mailboxes",
    models: MAILBOX_MODELS,
    apis: [
      {
        path: "/mailboxes",
        description: "Mailboxes",
        operations: [
          {
            httpMethod: "GET",
            summary: "List all mailboxes.",
            nickname: "list",
            responseClass: "List[Mailbox]",
            parameters: [],
            handle: () => {
              const vm = voicemail();
              const boxes = vm?.all() ?? [];
              return { status: 200, body: boxes.map((m) => ({ name: `${m.box}@${m.context}`, ...counts(vm, m) })) };
            },
          },
        ],
      },
      {
        path: "/mailboxes/{mailboxName}",
        description: "Mailbox state",
        operations: [
          {
            httpMethod: "GET",
            summary: "Retrieve the current state of a mailbox.",
            nickname: "get",
            responseClass: "Mailbox",
            parameters: [pathParam("mailboxName", "Name of the mailbox (box@context, or box in default)")],
            errorResponses: [{ code: 404, reason: "Mailbox not found" }],
            handle: (req) => {
              const vm = voicemail();
              const m = vm?.find(req.params.mailboxName ?? "");
              if (vm === undefined || m === undefined) throw new AriError(404, "Mailbox not found");
              return { status: 200, body: { name: `${m.box}@${m.context}`, ...counts(vm, m) } };
            },
          },
        ],
      },
    ],
  };
}

function counts(vm: Voicemail | undefined, m: Parameters<Voicemail["counts"]>[0]): { old_messages: number; new_messages: number } {
  const c = vm?.counts(m) ?? { new: 0, old: 0 };
  return { old_messages: c.old, new_messages: c.new };
}
