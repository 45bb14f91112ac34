// `node --import tsx bench/relay-self-test.ts [RTT_MS...]`: the latency relay's ping-pong check,
// the one `pnpm bench` runs before any cell with an added RTT (bench/lib/latency-relay.ts).
import { checkRelay } from './lib/relay-check.js';

const rtts = process.argv.slice(2).map(Number);
for (const rtt of rtts.length > 0 ? rtts : [20, 50]) console.log(await checkRelay(rtt));
