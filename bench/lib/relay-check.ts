import { pingPong } from './latency-relay.js';
import { median } from './stats.js';

/** The relay's ping-pong result at one RTT, as the report prints it. */
export interface RelayCheck {
  rttMs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  turns: number;
  rounds: number;
}

// Timers are late by a scheduling slice on loaded cores, never early.
const SLACK_MS = 15;

/** Ping-pong over a relay of `rttMs`; throws when the median is under the RTT or far above it, or turns are miscounted. */
export async function checkRelay(rttMs: number, rounds = 10): Promise<RelayCheck> {
  const { rttsMs, turns } = await pingPong(rttMs, rounds);
  const check = { rttMs, medianMs: round1(median(rttsMs)), minMs: round1(Math.min(...rttsMs)), maxMs: round1(Math.max(...rttsMs)), turns, rounds };
  if (check.minMs < rttMs - 1 || check.medianMs > rttMs + SLACK_MS) {
    throw new Error(`latency relay at ${rttMs} ms: ping-pong median ${check.medianMs} ms (min ${check.minMs}, max ${check.maxMs}): not within [${rttMs}, ${rttMs + SLACK_MS}]`);
  }
  // The first ping follows no reply: rounds - 1 turns.
  if (turns !== rounds - 1) throw new Error(`latency relay at ${rttMs} ms: counted ${turns} turns for ${rounds} ping-pongs (want ${rounds - 1})`);
  return check;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
