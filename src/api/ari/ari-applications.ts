/**
 * ARI applications (res_stasis): an application exists while an events WebSocket has it
 * registered (`/ari/events?app=name`); it is subscribed to the channels in Stasis in it (and,
 * with `subscribeAll=true`, to everything). A second WebSocket registering the same name takes
 * it over; the first is told ApplicationReplaced, as in Asterisk.
 *
 * Events are delivered with `application`, `timestamp` and `asterisk_id` added, once per
 * subscribed application.
 */
import { ariTimestamp } from "./ari-time.js";

/** Where an application's events go (an events WebSocket). */
export interface AriEventSink {
  send(json: Record<string, unknown>): void;
}

/** What an event concerns, for subscriptions. */
export interface EventScope {
  readonly channelIds?: readonly string[];
  readonly bridgeIds?: readonly string[];
  readonly endpoint?: string;
  readonly device?: string;
}

export class AriApplication {
  readonly channelIds = new Set<string>();
  readonly bridgeIds = new Set<string>();
  readonly endpointIds = new Set<string>();
  readonly deviceNames = new Set<string>();

  constructor(
    readonly name: string,
    public sink: AriEventSink,
    public subscribeAll: boolean,
  ) {}

  wants(scope: EventScope): boolean {
    if (this.subscribeAll) return true;
    if (scope.channelIds?.some((c) => this.channelIds.has(c))) return true;
    if (scope.bridgeIds?.some((b) => this.bridgeIds.has(b))) return true;
    if (scope.endpoint !== undefined && this.endpointIds.has(scope.endpoint)) return true;
    return scope.device !== undefined && this.deviceNames.has(scope.device);
  }

  json(): Record<string, unknown> {
    return {
      name: this.name,
      channel_ids: [...this.channelIds],
      bridge_ids: [...this.bridgeIds],
      endpoint_ids: [...this.endpointIds],
      device_names: [...this.deviceNames],
      events_allowed: [],
      events_disallowed: [],
    };
  }
}

export class AriApplications {
  private readonly apps = new Map<string, AriApplication>();

  constructor(
    private readonly asteriskId: string,
    private readonly now: () => number,
  ) {}

  /** Registers (or takes over) an application for an events socket. */
  register(name: string, sink: AriEventSink, subscribeAll: boolean): AriApplication {
    const old = this.apps.get(name);
    if (old !== undefined) {
      if (old.sink !== sink) old.sink.send(this.stamp({ type: "ApplicationReplaced" }, name));
      old.sink = sink;
      old.subscribeAll = subscribeAll;
      return old;
    }
    const app = new AriApplication(name, sink, subscribeAll);
    this.apps.set(name, app);
    return app;
  }

  /** The socket went away: its applications end, unless another socket took them over. */
  unregister(name: string, sink: AriEventSink): void {
    const app = this.apps.get(name);
    if (app !== undefined && app.sink === sink) this.apps.delete(name);
  }

  get(name: string): AriApplication | undefined {
    return this.apps.get(name);
  }

  list(): AriApplication[] {
    return [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Sends an event to every application subscribed to what it concerns. */
  dispatch(event: Record<string, unknown> & { type: string }, scope: EventScope): void {
    for (const app of this.apps.values()) if (app.wants(scope)) app.sink.send(this.stamp(event, app.name));
  }

  /** Sends an event to one application (StasisStart, StasisEnd). */
  sendTo(name: string, event: Record<string, unknown> & { type: string }): void {
    this.apps.get(name)?.sink.send(this.stamp(event, name));
  }

  private stamp(event: Record<string, unknown>, application: string): Record<string, unknown> {
    return { ...event, timestamp: ariTimestamp(this.now()), asterisk_id: this.asteriskId, application };
  }
}
