// Declarations for herald-sse (dist/herald.js, built from src/Herald/Browser/herald.js). Kept by hand beside the source:
// a new option, status or frame there needs its line here, and the type-check test in tests/Herald.Browser.Tests uses
// every member. Contract: docs/protocol.md "Subscribe" and "herald.js".

/** What herald.js uses of an EventSource: the browser's has it, and so has the `eventsource` package's for Node. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  close(): void;
  // `any`: the DOM types the handler's event as Event, the eventsource package as its own ErrorEvent; herald.js reads neither.
  onerror: ((event: any) => unknown) | null;
}

/** An EventSource constructor: `EventSource` in a browser, `EventSource` from the `eventsource` package in Node. */
export interface EventSourceConstructor {
  new (url: string, init?: { withCredentials?: boolean }): EventSourceLike;
}

/** An event of the stream, delivered once per ID, in ID order. */
export interface HeraldEvent {
  /** The event's ID: 1, 2, 3, … per stream. */
  id: number;
  /** The SSE event type: `'message'` when the event was published without one. */
  type: string;
  /** The data, as published. */
  data: string;
}

/** History was trimmed past the resume position: IDs `from` … `to` are gone; the replay goes on at `first`. */
export interface HeraldGap {
  from: number;
  to: number;
  /** How many IDs were lost: `to - from + 1`. */
  missed: number;
  /** The resume position, as in the `gap` frame. */
  lastEventId: number;
  /** The first retained ID, as in the `gap` frame. */
  first: number;
}

/** The store was wiped or replaced (another epoch): drop your state; every retained event follows, from ID 1 again. */
export interface HeraldReset {
  /** The position the subscription asked to resume after. */
  lastEventId: number;
  /** The stream's last ID in the store now. */
  last: number;
  /** The store's new epoch. */
  epoch: string;
}

/** What every status carries: the state, and the subscription's position when it was reported. */
export interface HeraldStatusBase<State extends string> {
  state: State;
  /** The last delivered ID, or the stream's `last` at connect when the subscription started live; null before that. */
  lastEventId: number | null;
  epoch: string | null;
}

/** A connection attempt starts (`attempt`: failed connects since the last successful one). */
export interface ConnectingStatus extends HeraldStatusBase<'connecting'> {
  attempt: number;
}

/** The first connection is open (`last`: the stream's last ID at connect). */
export interface OpenStatus extends HeraldStatusBase<'open'> {
  last: number;
}

/** A new connection resumed after a lost one. */
export interface ResumedStatus extends HeraldStatusBase<'resumed'> {
  /** The ID it resumed after (null when the first connection never got its position). */
  resumedAt: number | null;
  /** Milliseconds since the connection was lost. */
  afterMs: number;
  /** IDs lost to trimming meanwhile (0 when none; the gap itself comes to onGap). */
  missed: number;
  /** The stream's last ID at reconnect. */
  last: number;
}

/** The connection failed; the next attempt starts after `delayMs`. */
export interface RetryingStatus extends HeraldStatusBase<'retrying'> {
  attempt: number;
  delayMs: number;
  /** The status of the refused connection, when a probe got one (e.g. 502); null after a dropped stream or no answer. */
  httpStatus: number | null;
}

/** Final: the server answered 401; the subscription stopped. */
export interface UnauthorizedStatus extends HeraldStatusBase<'unauthorized'> {
  httpStatus: 401;
}

/** Final: the server answered 403; the subscription stopped. */
export interface ForbiddenStatus extends HeraldStatusBase<'forbidden'> {
  httpStatus: 403;
}

/** Final: `close()` was called. */
export interface ClosedStatus extends HeraldStatusBase<'closed'> {}

/** Every status onStatus receives; switch on `state` to read the fields of each. */
export type HeraldStatus =
  | ConnectingStatus
  | OpenStatus
  | ResumedStatus
  | RetryingStatus
  | UnauthorizedStatus
  | ForbiddenStatus
  | ClosedStatus;

/** Every state a subscription reports. */
export type HeraldState = HeraldStatus['state'];

/** The handle `subscribe` returns; callbacks get it as `this` too. */
export interface Subscription {
  /** The last delivered ID (what to keep to resume later), or null before the first hello. */
  readonly lastEventId: number | null;
  /** The store's epoch, from hello or reset; keep it with lastEventId. */
  readonly epoch: string | null;
  /** Events not delivered again because their ID was not above the last one delivered. */
  readonly dropped: number;
  /** Stops for good: closes the connection, cancels a pending retry, reports `closed`. */
  close(): void;
}

/** Options of `subscribe`; every one may be left out. */
export interface SubscribeOptions {
  /** Event types to listen for besides untyped ones: EventSource dispatches only the types it listens for. */
  types?: readonly string[];
  /** Resume after this ID (e.g. kept in localStorage); without it, start live. */
  lastEventId?: number | string | null;
  /** The epoch that `lastEventId` belongs to; another epoch than the store's gets a reset. */
  epoch?: string | null;
  /** First retry step in ms (default 1000; the delay is a random half to all of the step). 0 means the default. */
  minDelay?: number;
  /** Cap of the retry step in ms (default 30000). 0 means the default. */
  maxDelay?: number;
  /** How long the status probe after a refused connect may take, in ms (default 10000). 0 means the default. */
  probeTimeout?: number;
  /** Send cookies cross-origin (EventSource's withCredentials, and the probe's `credentials: 'include'`). */
  withCredentials?: boolean;
  /** The EventSource to use; required where there is no global one (Node: the `eventsource` package's). */
  EventSource?: EventSourceConstructor;
  /** Each event, once per ID, in ID order. */
  onEvent?: (this: Subscription, event: HeraldEvent) => void;
  /** History was trimmed past the resume position. */
  onGap?: (this: Subscription, gap: HeraldGap) => void;
  /** The store was wiped or replaced. */
  onReset?: (this: Subscription, reset: HeraldReset) => void;
  /** Every change of state (see HeraldStatus). */
  onStatus?: (this: Subscription, status: HeraldStatus) => void;
}

/**
 * Subscribes to one stream and keeps the subscription alive across any failure, resuming exactly where it was.
 * `url` is resolved against the page; outside a page (Node) it must be absolute.
 * @throws TypeError when there is no EventSource (pass `options.EventSource`) or `url` is relative outside a page.
 */
export declare function subscribe(url: string, options?: SubscribeOptions): Subscription;

/** What herald.js exposes: `window.Herald` for a classic script, the default export here. */
export interface HeraldClient {
  subscribe: typeof subscribe;
}

export declare const Herald: HeraldClient;
export default Herald;
