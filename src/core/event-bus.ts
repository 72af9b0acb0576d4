/**
 * A typed event bus: one payload object per event name, delivered synchronously to the
 * listeners of that name and to catch-all listeners (AMI, ARI and CDR want every event in the
 * order it happened). The event map is the layer's own (pbx/events.ts); the bus knows nothing
 * of what the events mean.
 *
 * Delivery rules, in the spirit of STYLE.md §6:
 * - a listener that throws is reported through `onListenerError` and does not stop the others,
 *   nor the emitter (a failing CDR writer must not break a call);
 * - `wants(name)` lets an emitter skip building a payload nobody listens to, so events cost
 *   nothing on the call path until a consumer subscribes;
 * - a listener added while an event is delivered first hears the next one.
 */
import { InvalidStateError } from "./errors.js";

/** Event name → payload object; an interface works (no index signature needed). */
export type EventPayloads<E> = { [K in keyof E]: object };

export type EventListener<P> = (payload: P) => void;
export type AnyEventListener<E extends EventPayloads<E>> = <K extends keyof E & string>(name: K, payload: E[K]) => void;

/** The emitting half: what a module that produces events holds. */
export interface EventSink<E extends EventPayloads<E>> {
  emit<K extends keyof E & string>(name: K, payload: E[K]): void;
  /** True when someone listens to `name` (by name or catch-all). */
  wants(name: keyof E & string): boolean;
}

/** The listening half: every subscription returns its unsubscribe. */
export interface EventSource<E extends EventPayloads<E>> {
  on<K extends keyof E & string>(name: K, fn: EventListener<E[K]>): () => void;
  onAny(fn: AnyEventListener<E>): () => void;
}

export type EventPort<E extends EventPayloads<E>> = EventSink<E> & EventSource<E>;

export class EventBus<E extends EventPayloads<E>> implements EventPort<E> {
  private readonly byName = new Map<string, Array<EventListener<never>>>();
  private any: Array<AnyEventListener<E>> = [];
  /** Called with the error and the event name when a listener throws. */
  onListenerError: (err: unknown, name: string) => void = () => {};

  on<K extends keyof E & string>(name: K, fn: EventListener<E[K]>): () => void {
    // Copy on write: an emit in progress keeps iterating the array it started with.
    this.byName.set(name, [...(this.byName.get(name) ?? []), fn]);
    return () => {
      const list = this.byName.get(name);
      if (!list) return;
      const next = list.filter((l) => l !== (fn as EventListener<never>));
      if (next.length === 0) this.byName.delete(name);
      else this.byName.set(name, next);
    };
  }

  onAny(fn: AnyEventListener<E>): () => void {
    this.any = [...this.any, fn];
    return () => {
      this.any = this.any.filter((l) => l !== fn);
    };
  }

  wants(name: keyof E & string): boolean {
    return this.any.length > 0 || this.byName.has(name);
  }

  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    const named = this.byName.get(name) as Array<EventListener<E[K]>> | undefined;
    if (named) {
      for (const fn of named) {
        try {
          fn(payload);
        } catch (err) {
          this.onListenerError(err, name);
        }
      }
    }
    for (const fn of this.any) {
      try {
        fn(name, payload);
      } catch (err) {
        this.onListenerError(err, name);
      }
    }
  }

  /** Listener counts, for `core show resources`-style views and leak tests. */
  dump(): { byName: Record<string, number>; any: number } {
    const byName: Record<string, number> = {};
    for (const [k, v] of this.byName) byName[k] = v.length;
    return { byName, any: this.any.length };
  }
}

/**
 * A module's view of a bus: it may emit only the events it declared (anything else is a
 * programming error, so the declaration stays true), and its subscriptions end when it stops.
 */
export function scopedEventPort<E extends EventPayloads<E>>(
  bus: EventPort<E>,
  o: { owner: string; emits: readonly string[]; defer(undo: () => void): void },
): EventPort<E> {
  const declared = new Set(o.emits);
  const track = (undo: () => void): (() => void) => {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      undo();
    };
    o.defer(once);
    return once;
  };
  return {
    emit: (name, payload) => {
      if (!declared.has(name)) throw new InvalidStateError(`module '${o.owner}' emitted '${name}', which it does not declare in its emits list`);
      bus.emit(name, payload);
    },
    wants: (name) => bus.wants(name),
    on: (name, fn) => track(bus.on(name, fn)),
    onAny: (fn) => track(bus.onAny(fn)),
  };
}
