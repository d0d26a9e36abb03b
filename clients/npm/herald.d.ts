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

/**
 * What every status carries: the state, and the subscription's position when it was reported. `Position` is a number
 * for one stream and the composite cursor (`'orders:42,prices:17'`) for several.
 */
export interface HeraldStatusBase<State extends string, Position = number | null> {
  state: State;
  /**
   * One stream: the last delivered ID, or the stream's `last` at connect when the subscription started live.
   * Several: the composite cursor, each stream's pair as in `StreamsSubscription.positions`. Null before that.
   */
  lastEventId: Position;
  epoch: string | null;
}

/** A connection attempt starts (`attempt`: failed connects since the last successful one). */
export interface ConnectingStatus<Position = number | null> extends HeraldStatusBase<'connecting', Position> {
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
export interface RetryingStatus<Position = number | null> extends HeraldStatusBase<'retrying', Position> {
  attempt: number;
  delayMs: number;
  /**
   * The status of the refused connection (e.g. 502): one stream's form learns it from a probe, the form for several
   * from the answer itself. Null after a dropped stream or no answer.
   */
  httpStatus: number | null;
}

/** Final: the server answered 401; the subscription stopped. */
export interface UnauthorizedStatus<Position = number | null> extends HeraldStatusBase<'unauthorized', Position> {
  httpStatus: 401;
}

/** Final: the server answered 403; the subscription stopped. */
export interface ForbiddenStatus<Position = number | null> extends HeraldStatusBase<'forbidden', Position> {
  httpStatus: 403;
}

/** Final: the server answered 400 (a bad stream name, position or type); retrying would not help, so it stopped. */
export interface RejectedStatus<Position = number | null> extends HeraldStatusBase<'rejected', Position> {
  httpStatus: 400;
}

/** Final: `close()` was called. */
export interface ClosedStatus<Position = number | null> extends HeraldStatusBase<'closed', Position> {}

/** Every status onStatus receives; switch on `state` to read the fields of each. */
export type HeraldStatus =
  | ConnectingStatus
  | OpenStatus
  | ResumedStatus
  | RetryingStatus
  | UnauthorizedStatus
  | ForbiddenStatus
  | RejectedStatus
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
  /**
   * Also ask the server to send only untyped events and `types` (`type=`), so the others do not cross the network.
   * Skipped events still move the server's position (id-only frames), so a resume stays exact.
   */
  filter?: boolean;
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

/** A stream's last ID when a connection to several streams opened, from its `hello`. */
export interface StreamLast {
  stream: string;
  last: number;
}

/** An event of one of several streams: per stream, delivered once per ID, in ID order. */
export interface HeraldStreamEvent extends HeraldEvent {
  /** The stream it belongs to. */
  stream: string;
  /** The composite cursor after this event (`'orders:42,prices:17'`): what to keep to resume right after it. */
  lastEventId: string;
}

/** History of `stream` was trimmed past its position (see HeraldGap). */
export interface HeraldStreamGap extends HeraldGap {
  stream: string;
}

/** The store was wiped or replaced; `stream`'s retained events follow from its start (see HeraldReset). */
export interface HeraldStreamReset extends HeraldReset {
  stream: string;
}

/** The first connection to several streams is open. */
export interface StreamsOpenStatus extends HeraldStatusBase<'open', string | null> {
  /** Each stream's last ID at connect, in the order of `streams`. */
  streams: StreamLast[];
}

/** A new connection to several streams resumed after a lost one (gaps, if any, come to onGap per stream). */
export interface StreamsResumedStatus extends HeraldStatusBase<'resumed', string | null> {
  /** The composite cursor it resumed after (null when the first connection never got a position). */
  resumedAt: string | null;
  /** Milliseconds since the connection was lost. */
  afterMs: number;
  /** Each stream's last ID at reconnect. */
  streams: StreamLast[];
}

/** Every status the form for several streams reports; the states are those of HeraldStatus. */
export type StreamsStatus =
  | ConnectingStatus<string | null>
  | StreamsOpenStatus
  | StreamsResumedStatus
  | RetryingStatus<string | null>
  | UnauthorizedStatus<string | null>
  | ForbiddenStatus<string | null>
  | RejectedStatus<string | null>
  | ClosedStatus<string | null>;

/** The handle of a subscription to several streams; callbacks get it as `this` too. */
export interface StreamsSubscription {
  /** The streams followed, in the order of the cursor's pairs. */
  readonly streams: readonly string[];
  /** The composite cursor (`'orders:42,prices:17'`) to keep and pass back as `lastEventId`; null before any position. */
  readonly lastEventId: string | null;
  /**
   * Each stream's position (a copy): its last delivered ID, or further when the server skipped events of other types
   * (`types`) or trimmed history, or its `last` at connect when it started live.
   */
  readonly positions: Readonly<Record<string, number>>;
  /** The store's epoch, from hello or reset; keep it with lastEventId. */
  readonly epoch: string | null;
  /** Events not delivered again because their ID was not above their stream's position. */
  readonly dropped: number;
  /** Stops for good: closes the connection, cancels a pending retry, reports `closed`. */
  close(): void;
}

/** Options of the form for several streams; only `streams` is required. */
export interface SubscribeStreamsOptions {
  /** Distinct stream names (a hub allows 64 by default); the cursor's pairs follow this order. */
  streams: readonly string[];
  /**
   * The hub's subscribe endpoint, default `'/subscribe'` (resolved against the page: the page's origin). It is the
   * sibling of the streams prefix: `/api/subscribe` for a hub mapped at `/api/streams`. Absolute outside a page (Node).
   */
  url?: string;
  /**
   * Only untyped events and these types, filtered by the server (`type=`); without it, events of every type (this form
   * reads the stream itself, so it needs no list of types to see them).
   */
  types?: readonly string[];
  /**
   * Where to resume: a composite cursor as kept from `lastEventId` (`'orders:42,prices:17'`) or an object
   * (`{ orders: 42 }`). Streams without a pair start live; pairs of streams not in `streams` are ignored.
   */
  lastEventId?: string | Readonly<Record<string, number>> | null;
  /** The epoch that `lastEventId` belongs to; another epoch than the store's resets every stream with a pair. */
  epoch?: string | null;
  /** First retry step in ms (default 1000; the delay is a random half to all of the step). 0 means the default. */
  minDelay?: number;
  /** Cap of the retry step in ms (default 30000). 0 means the default. */
  maxDelay?: number;
  /** Send cookies cross-origin (fetch's `credentials: 'include'`). */
  withCredentials?: boolean;
  /** The fetch to use (default the global one: browsers, Node 18+). */
  fetch?: (input: string, init?: any) => Promise<any>;
  /** Each event, per stream once per ID, in ID order. */
  onEvent?: (this: StreamsSubscription, event: HeraldStreamEvent) => void;
  /** History of one stream was trimmed past its position. */
  onGap?: (this: StreamsSubscription, gap: HeraldStreamGap) => void;
  /** The store was wiped or replaced: one call per stream that had a position. */
  onReset?: (this: StreamsSubscription, reset: HeraldStreamReset) => void;
  /** Every change of state (see StreamsStatus). */
  onStatus?: (this: StreamsSubscription, status: StreamsStatus) => void;
}

/**
 * Subscribes to several streams on one connection (`GET /subscribe?stream=…`) and keeps it alive across any failure,
 * resuming each stream exactly where it was. Reads the response with fetch, not EventSource: only so does it see the
 * id-only frames that tell which stream each event belongs to.
 * @throws TypeError when `streams` is empty or repeats a name, there is no fetch, or `url` is relative outside a page.
 */
export declare function subscribe(options: SubscribeStreamsOptions): StreamsSubscription;
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
