// Follows several streams with the packed herald-sse's subscribe({ streams }), on Node's own fetch (no EventSource
// package), from the beginning of each, and prints one line per event, status, gap and reset for the test to read.
// Usage: node streams.mjs <absolute /subscribe URL> <count> <stream>…. Closes after <count> events in all, then exits.
import { subscribe } from 'herald-sse';

const [url, countText, ...streams] = process.argv.slice(2);
const count = Number(countText);
let received = 0;

subscribe({
  url,
  streams,
  lastEventId: streams.map((s) => `${s}:0`).join(','),
  minDelay: 200,
  maxDelay: 2000,
  onEvent(e) {
    console.log(`event ${e.stream} ${e.id} ${e.data} ${e.lastEventId}`);
    if (++received === count) {
      this.close();
    }
  },
  onGap(g) { console.log(`gap ${JSON.stringify(g)}`); },
  onReset(r) { console.log(`reset ${JSON.stringify(r)}`); },
  onStatus(s) { console.log(`status ${JSON.stringify(s)}`); },
});
