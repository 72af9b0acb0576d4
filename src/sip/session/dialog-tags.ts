/**
 * The tag of a From or To header as a dialog key. RFC 2543 did not mandate tags, and RFC 3261
 * keeps such peers working: §12.1.1 "A UAS MUST be prepared to receive a request without a tag in
 * the From field, in which case the tag is considered to have a value of null", and §12.1.2 "A UAC
 * MUST be prepared to receive a response without a tag in the To field, in which case the tag is
 * considered to have a value of null." The dialog table stores that null as the empty string
 * (as `Dialog.fromInvite` does), so every lookup must turn a missing tag into "" too, or a
 * tagless peer's BYE, ACK and re-INVITE never find their dialog.
 */
import { tagOfHeader } from "../dialog/dialog.js";

/** The tag of a From/To value, "" when there is none. */
export function dialogTagOf(header: string | undefined): string {
  return tagOfHeader(header ?? "") ?? "";
}
