// What subscribe says in Node when it cannot work: no EventSource given (Node has no global one), or a relative URL
// (there is no page location to resolve it against). Prints one line per case for the test to read.
import { EventSource } from 'eventsource';
import { subscribe } from 'herald-sse';

const cases = [
  ['no EventSource', () => subscribe('http://127.0.0.1:9/streams/none')],
  ['relative URL', () => subscribe('/streams/none', { EventSource })],
];
for (const [name, start] of cases) {
  try {
    start().close();   // it should have thrown; close, so that a subscription that started does not keep Node running
    console.log(`${name}: no error`);
  } catch (err) {
    console.log(`${name}: ${err.constructor.name}: ${err.message}`);
  }
}
