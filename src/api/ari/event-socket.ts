/**
 * One events WebSocket: sends each event as a JSON text frame (indented with pretty=yes). A
 * write that is still unsent after ari.conf's websocket_write_timeout closes the socket, as in
 * Asterisk, so a stalled client cannot make the PBX buffer events without end.
 */
import type { WebSocket } from "ws";
import type { AriGeneral } from "../../config/index.js";
import type { Logger } from "../../core/logger.js";
import type { AriEventSink } from "./ari-applications.js";

export class EventSocket implements AriEventSink {
  private stallTimer: NodeJS.Timeout | undefined;
  /** When each write not yet handed to the operating system was made, oldest first. */
  private readonly unsent: number[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly general: () => AriGeneral,
    private readonly log: Logger,
  ) {
    ws.on("close", () => this.clearStall());
    ws.on("error", () => ws.terminate());
  }

  send(json: Record<string, unknown>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const g = this.general();
    this.unsent.push(Date.now());
    this.ws.send(g.pretty ? JSON.stringify(json, null, 2) : JSON.stringify(json), () => this.unsent.shift());
    this.watch(g.websocketWriteTimeout);
  }

  private watch(timeoutMs: number): void {
    if (this.stallTimer !== undefined) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const oldest = this.unsent[0];
      if (oldest === undefined) return;
      if (Date.now() - oldest >= timeoutMs) {
        this.log.warn({}, `ARI events WebSocket: a write stayed unsent for ${timeoutMs} ms (websocket_write_timeout); closing it`);
        this.ws.terminate();
        return;
      }
      this.watch(timeoutMs);
    }, timeoutMs);
    this.stallTimer.unref();
  }

  private clearStall(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
