/**
 * A ringing call answered by another phone than the one it rings (a pickup, an INVITE with
 * Replaces naming the early dialog of the ringing leg): the channel whose Dial() rings is taken
 * out of it — the ringing phones get CANCEL — answered, and joined with the newcomer in a bridge
 * of its own.
 */
import type { CallManager } from "../channel/call-manager.js";
import type { DivertedChannel, TransferBridge } from "./transfer-bridge.js";
import type { TransferService } from "./transfer-service.js";

/** Connects `ringing` (a channel in a ringing Dial) with `newcomer`; the newcomer then answers and waits in the bridge (`waitIn`). */
export function connectRinging(calls: CallManager, service: TransferService, ringing: DivertedChannel, newcomer: DivertedChannel): TransferBridge {
  service.letGoOf(ringing.name);
  const tb = service.newBridge();
  const inBridge = tb.detour(0);
  const moved = calls.divert(
    { kind: "call", call: ringing },
    {
      label: `picked up by ${newcomer.name}`,
      run: async () => {
        await ringing.answer();
        await inBridge.run();
      },
    },
  );
  tb.join(moved, newcomer);
  return tb;
}

/** The newcomer's part: answer, then stay in the bridge until it is over. */
export async function waitIn(tb: TransferBridge, newcomer: DivertedChannel): Promise<void> {
  await newcomer.answer();
  await tb.detour(1).run();
}
