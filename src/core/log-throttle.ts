/**
 * Caps how many lines a noisy source (malformed packets, floods) may log per window, and counts
 * the rest, so a hostile peer cannot fill the disk through our logs (STYLE.md §3: "Count drops;
 * warn at most once a period").
 */
import type { Clock } from "./clock.js";

export class LogThrottle {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxPerWindow = 20,
    private readonly windowMs = 10_000,
  ) {}

  /**
   * True when a line may be written now. When a new window starts after suppression, `flush`
   * receives how many lines were dropped in the previous one.
   */
  allow(flush?: (suppressed: number) => void): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) flush?.(this.suppressed);
      this.windowStart = now;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.maxPerWindow) {
      this.used++;
      return true;
    }
    this.suppressed++;
    return false;
  }
}
