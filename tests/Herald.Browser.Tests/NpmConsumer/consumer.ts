// A TypeScript consumer of the packed herald-sse that touches every exported type, option, callback, status field and
// handle member; `tsc --noEmit` under strict must accept it. The @ts-expect-error lines must each be an error: if the
// declarations grew loose (any), tsc reports them as unused and the test fails.
import Herald, {
  Herald as NamedHerald,
  subscribe,
  type EventSourceConstructor,
  type EventSourceLike,
  type HeraldClient,
  type HeraldEvent,
  type HeraldGap,
  type HeraldReset,
  type HeraldState,
  type HeraldStatus,
  type HeraldStreamEvent,
  type HeraldStreamGap,
  type HeraldStreamReset,
  type StreamLast,
  type StreamsStatus,
  type StreamsSubscription,
  type SubscribeOptions,
  type SubscribeStreamsOptions,
  type Subscription,
} from 'herald-sse';
import { EventSource as NodeEventSource } from 'eventsource';

function describe(s: HeraldStatus): string {
  const position: number | null = s.lastEventId;
  const epoch: string | null = s.epoch;
  switch (s.state) {
    case 'connecting':
      return `connecting ${s.attempt} ${position} ${epoch}`;
    case 'open':
      return `open ${s.last}`;
    case 'resumed':
      return `resumed ${s.resumedAt ?? 'start'} ${s.afterMs} ${s.missed} ${s.last}`;
    case 'retrying':
      return `retrying ${s.attempt} ${s.delayMs} ${s.httpStatus ?? 'no status'}`;
    case 'unauthorized': {
      const code: 401 = s.httpStatus;
      return `unauthorized ${code}`;
    }
    case 'forbidden': {
      const code: 403 = s.httpStatus;
      return `forbidden ${code}`;
    }
    case 'rejected': {
      const code: 400 = s.httpStatus;
      return `rejected ${code}`;
    }
    case 'closed':
      return 'closed';
    default: {
      const unreachable: never = s;
      return unreachable;
    }
  }
}

const states: HeraldState[] = ['connecting', 'open', 'resumed', 'retrying', 'unauthorized', 'forbidden', 'rejected', 'closed'];

const options: SubscribeOptions = {
  types: ['order.paid', 'order.shipped'] as const,
  filter: true,
  lastEventId: '42',
  epoch: null,
  minDelay: 500,
  maxDelay: 10_000,
  probeTimeout: 5_000,
  withCredentials: false,
  EventSource: NodeEventSource,
  onEvent(e: HeraldEvent) {
    const id: number = e.id;
    const type: string = e.type;
    const data: string = e.data;
    const position: number | null = this.lastEventId;
    console.log(id, type, data, position);
  },
  onGap(g: HeraldGap) {
    console.log(g.from, g.to, g.missed, g.lastEventId, g.first, this.dropped);
  },
  onReset(r: HeraldReset) {
    const epoch: string = r.epoch;
    console.log(r.lastEventId, r.last, epoch, this.epoch);
  },
  onStatus(s) {
    console.log(describe(s), states.includes(s.state));
  },
};

const sub: Subscription = subscribe('http://127.0.0.1:5080/streams/orders', options);
const kept: [number | null, string | null, number] = [sub.lastEventId, sub.epoch, sub.dropped];
console.log(kept);
sub.close();

// The DOM's EventSource fits the option as well as the eventsource package's does.
const browsers: EventSourceConstructor = EventSource;
const node: EventSourceConstructor = NodeEventSource;
const instance: EventSourceLike = new node('http://127.0.0.1:5080/streams/orders', { withCredentials: true });
instance.close();
const client: HeraldClient = Herald;
client.subscribe('/streams/orders', { EventSource: browsers, onEvent: (e) => console.log(e.id) }).close();
NamedHerald.subscribe('/streams/orders').close();

// The form for several streams: composite cursors, a stream on every event, gap and reset.
function describeStreams(s: StreamsStatus): string {
  const cursor: string | null = s.lastEventId;
  switch (s.state) {
    case 'open':
      return `open ${s.streams.map((x: StreamLast) => `${x.stream}:${x.last}`).join(',')} ${cursor} ${s.epoch}`;
    case 'resumed':
      return `resumed ${s.resumedAt ?? 'start'} ${s.afterMs} ${s.streams.length}`;
    case 'retrying':
      return `retrying ${s.attempt} ${s.delayMs} ${s.httpStatus ?? 'no status'}`;
    case 'connecting':
      return `connecting ${s.attempt}`;
    case 'unauthorized':
    case 'forbidden':
    case 'rejected':
      return `${s.state} ${s.httpStatus}`;
    case 'closed':
      return 'closed';
    default: {
      const unreachable: never = s;
      return unreachable;
    }
  }
}

const streamsOptions: SubscribeStreamsOptions = {
  streams: ['orders', 'prices'] as const,
  url: 'http://127.0.0.1:5080/subscribe',
  types: ['price'],
  lastEventId: 'orders:42,prices:17',
  epoch: null,
  minDelay: 500,
  maxDelay: 10_000,
  withCredentials: false,
  fetch,
  onEvent(e: HeraldStreamEvent) {
    const stream: string = e.stream;
    const id: number = e.id;
    const cursor: string = e.lastEventId;
    const position: number | undefined = this.positions[stream];
    console.log(stream, id, e.type, e.data, cursor, position, this.lastEventId);
  },
  onGap(g: HeraldStreamGap) {
    console.log(g.stream, g.from, g.to, g.missed, g.lastEventId, g.first, this.dropped);
  },
  onReset(r: HeraldStreamReset) {
    console.log(r.stream, r.lastEventId, r.last, r.epoch, this.epoch);
  },
  onStatus(s) {
    console.log(describeStreams(s));
  },
};
const several: StreamsSubscription = subscribe(streamsOptions);
const keptCursor: [readonly string[], string | null, Readonly<Record<string, number>>, string | null, number] =
  [several.streams, several.lastEventId, several.positions, several.epoch, several.dropped];
console.log(keptCursor);
several.close();
Herald.subscribe({ streams: ['orders'], lastEventId: { orders: 3 } }).close();

// @ts-expect-error the form for several streams needs `streams`
subscribe({ types: ['price'] });
// @ts-expect-error the composite cursor on the handle is read-only
several.lastEventId = 'orders:1';
// @ts-expect-error one stream's handle has a numeric position, not the composite one
const notComposite: string | null = sub.lastEventId;
// @ts-expect-error an event of several streams carries the composite cursor as a string
const cursorAsNumber: number = ({} as HeraldStreamEvent).lastEventId;
console.log(notComposite, cursorAsNumber);

// @ts-expect-error the handle's position is read-only
sub.lastEventId = 3;
// @ts-expect-error minDelay is a number of milliseconds
subscribe('/streams/orders', { minDelay: '1000' });
// @ts-expect-error there is no onMessage option: events come to onEvent
subscribe('/streams/orders', { onMessage() {} });
// @ts-expect-error 'live' is not a state
const notAState: HeraldState = 'live';
// @ts-expect-error an event's id is a number
const idAsString: string = ({} as HeraldEvent).id;
// @ts-expect-error a closed status has no httpStatus
const closedStatus: number = ({} as Extract<HeraldStatus, { state: 'closed' }>).httpStatus;
console.log(notAState, idAsString, closedStatus);
