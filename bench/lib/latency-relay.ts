import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 that adds a round-trip time between the controller and one host's SSH
 * port: every chunk read from either side is held for half the RTT, then written to the other,
 * in the order it was read. The kernel here has no netem (`tc qdisc ... netem` is unknown), so
 * this stands in for a distant data centre.
 *
 * Unlike a real link: no loss, no reordering, no jitter beyond timer granularity (~1 ms), no
 * bandwidth limit and no congestion window to grow (a chunk of any size arrives whole after the
 * delay), and both legs of the relay are loopback TCP with their own ACKs, so TCP's own
 * handshake and ACK clocking do not pay the delay: only the payload does. It also runs in the
 * bench's own process, whose CPU is reported as the harness's, not the tool's.
 *
 * It counts turns per connection: a chunk towards the host that follows, on that connection, at
 * least one chunk from the host. Each turn is a request that waited for a reply, so it pays one
 * full RTT: the count is the tool's round trips as the network sees them, SSH handshake included,
 * whatever the tool says about itself.
 */
export interface LatencyRelay {
  readonly port: number;
  readonly rttMs: number;
  /** Turns (request after reply) summed over the connections made since the last reset. */
  turns(): number;
  resetTurns(): void;
  close(): Promise<void>;
}

/** Queues chunks for one direction, each written `delayMs` after it was read, in order. */
class DelayedPipe {
  readonly #queue: Array<{ due: number; chunk: Buffer | null }> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: Socket,
    private readonly delayMs: number,
  ) {}

  /** null: the reading side ended; the writing side is ended after the chunks before it. */
  push(chunk: Buffer | null): void {
    this.#queue.push({ due: performance.now() + this.delayMs, chunk });
    if (!this.#timer) this.#schedule();
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (!head) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, head.due - performance.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Timers fire up to a millisecond early or late: what is due within half a millisecond goes now.
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now + 0.5) {
      const { chunk } = this.#queue.shift()!;
      if (this.to.destroyed) return;
      if (chunk === null) this.to.end();
      else this.to.write(chunk);
    }
    this.#schedule();
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

export async function startLatencyRelay(target: { host: string; port: number }, rttMs: number): Promise<LatencyRelay> {
  const half = rttMs / 2;
  let turns = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const toHost = new DelayedPipe(upstream, half);
    const toController = new DelayedPipe(client, half);
    let heardFromHost = false;
    client.on('data', (chunk: Buffer) => {
      if (heardFromHost) turns++;
      heardFromHost = false;
      toHost.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      heardFromHost = true;
      toController.push(chunk);
    });
    client.on('end', () => toHost.push(null));
    upstream.on('end', () => toController.push(null));
    const teardown = () => {
      toHost.cancel();
      toController.cancel();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A reset on either side resets the other: no half-open connection is left behind.
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', () => toHost.push(null));
    upstream.on('close', () => toController.push(null));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    rttMs,
    turns: () => turns,
    resetTurns: () => {
      turns = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The relay's self-test: a one-byte ping-pong over it to an echo server on 127.0.0.1, `rounds`
 * times. Returns the measured round-trip times (ms) and the relay's turn count, which must equal
 * the rounds after the first. The bench refuses a relay whose median is off the asked RTT.
 */
export async function pingPong(rttMs: number, rounds = 10): Promise<{ rttsMs: number[]; turns: number }> {
  const echo = createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  const relay = await startLatencyRelay({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port }, rttMs);
  const socket = connect(relay.port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const rttsMs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const sent = performance.now();
      const reply = new Promise<Buffer>((resolve) => socket.once('data', resolve));
      socket.write(Buffer.from([i & 0xff]));
      const back = await reply;
      if (back[0] !== (i & 0xff)) throw new Error(`relay self-test: sent byte ${i & 0xff}, got ${back[0]} back (order lost)`);
      rttsMs.push(performance.now() - sent);
    }
    const turns = relay.turns();
    // Many chunks in flight at once: each held, none overtaking another.
    const burst = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    let received = Buffer.alloc(0);
    const allBack = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= burst.length) socket.off('data', onData), resolve();
      };
      socket.on('data', onData);
    });
    for (let i = 0; i < burst.length; i++) {
      socket.write(burst.subarray(i, i + 1));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
    }
    await allBack;
    if (!received.equals(burst)) throw new Error('relay self-test: a burst of chunks came back out of order');
    return { rttsMs, turns };
  } finally {
    socket.destroy();
    await relay.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
}
