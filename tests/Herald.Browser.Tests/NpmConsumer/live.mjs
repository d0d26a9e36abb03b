// Subscribes with the packed herald-sse (its ES module, resolved through the package's exports) and the eventsource
// package, from the beginning of a stream, and prints one line per event, status, gap and reset for the test to read.
// Usage: node live.mjs <absolute stream URL> <count>. Closes after <count> events, so the process then exits by itself.
import { EventSource } from 'eventsource';
import { subscribe } from 'herald-sse';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
let received = 0;

subscribe(url, {
  EventSource,
  lastEventId: 0,
  // Short steps: the server is down for a few seconds at most, and the test waits for the resume.
  minDelay: 200,
  maxDelay: 2000,
  onEvent(e) {
    console.log(`event ${e.id} ${e.data}`);
    if (++received === count) {
      this.close();
    }
  },
  onGap(g) { console.log(`gap ${JSON.stringify(g)}`); },
  onReset(r) { console.log(`reset ${JSON.stringify(r)}`); },
  onStatus(s) { console.log(`status ${JSON.stringify(s)}`); },
});
