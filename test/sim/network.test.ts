import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../src/common/errors.js';
import { SeededRandom } from '../../src/common/random.js';
import { SimNetwork, CALM_REORDERING_NETWORK } from '../../src/sim/network.js';
import { ClientHost, HostClock, type Host } from '../../src/sim/host.js';
import { SimLoop } from '../../src/sim/sim-loop.js';

/** A process that can be paused and crashed, like a simulated node. */
class FakeProcess implements Host {
  state: 'up' | 'paused' | 'crashed' = 'up';
  generation = 1;
  held: Array<() => void> = [];
  constructor(readonly id: number) {}
  incarnation(): number {
    return this.generation;
  }
  run(incarnation: number, fn: () => void): void {
    if (incarnation !== this.generation || this.state === 'crashed') return;
    if (this.state === 'paused') this.held.push(fn);
    else fn();
  }
}

function setup() {
  const loop = new SimLoop();
  const server = new FakeProcess(1);
  const client = new ClientHost(101);
  const network = new SimNetwork(new SeededRandom(1), loop, (id) => id === server.id && server.state === 'crashed', CALM_REORDERING_NETWORK);
  network.register(server);
  network.register(client);
  const clientClock = new HostClock(loop, client);
  const call = <T>(serve: () => Promise<T>, timeoutMs = 100) =>
    network.call({ from: client, fromClock: clientClock, to: server.id, timeoutMs, what: 'test' }, serve);
  return { loop, server, client, network, call };
}

/** The outcome of a promise once the loop ran to `untilMs`. */
async function settleBy<T>(loop: SimLoop, promise: Promise<T>, untilMs: number): Promise<{ value?: T; error?: unknown; atMs?: number }> {
  const outcome: { value?: T; error?: unknown; atMs?: number } = {};
  promise.then(
    (value) => Object.assign(outcome, { value, atMs: loop.now() }),
    (error: unknown) => Object.assign(outcome, { error, atMs: loop.now() }),
  );
  await loop.runUntil(untilMs);
  return outcome;
}

describe('simulation network', () => {
  it('answers a call after the delay both ways', async () => {
    const { loop, call } = setup();
    const outcome = await settleBy(loop, call(() => Promise.resolve('pong')), 1000);
    expect(outcome.value).toBe('pong');
    // Calm links take 1-5 ms each way.
    expect(outcome.atMs).toBeGreaterThanOrEqual(2);
    expect(outcome.atMs).toBeLessThanOrEqual(10);
  });

  it('refuses a call to a crashed process, and resets calls it was serving when it crashes', async () => {
    const { loop, server, network, call } = setup();
    server.state = 'crashed';
    const refused = await settleBy(loop, call(() => Promise.resolve('never')), 50);
    expect(isBrokerError(refused.error, 'NETWORK_EXCEPTION')).toBe(true);
    expect(String(refused.error)).toContain('connection refused');

    server.state = 'up';
    const startMs = loop.now();
    let served = 0;
    const hanging = call(() => {
      served++;
      return new Promise<string>(() => {});
    }, 10_000);
    loop.after(20, () => {
      server.state = 'crashed';
      network.resetCallsServedBy(server.id);
    });
    const reset = await settleBy(loop, hanging, startMs + 100);
    expect(served).toBe(1);
    expect(String(reset.error)).toContain('reset');
    // Crashed 20 ms in, the reset travels back over one link: far sooner than the 10 s deadline.
    expect(reset.atMs! - startMs).toBeLessThan(30);
  });

  it('loses calls on a cut link, and the caller deadline ends them', async () => {
    const { loop, server, client, network, call } = setup();
    network.cutLink(server.id, client.id);
    let served = 0;
    const outcome = await settleBy(
      loop,
      call(() => {
        served++;
        return Promise.resolve('lost on the way back');
      }, 200),
      1000,
    );
    expect(served).toBe(1);
    expect(isBrokerError(outcome.error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect(outcome.atMs).toBe(200);
  });

  it('holds deliveries to a paused process until it runs again, and drops those of a crashed incarnation', async () => {
    const { loop, server, client, network } = setup();
    const delivered: string[] = [];
    server.state = 'paused';
    network.send(client.id, server.id, () => delivered.push('while paused'), { duplicable: false });
    await loop.runUntil(100);
    expect(delivered).toEqual([]);
    expect(server.held).toHaveLength(1);
    server.state = 'up';
    for (const fn of server.held.splice(0)) fn();
    expect(delivered).toEqual(['while paused']);

    network.send(client.id, server.id, () => delivered.push('to the old incarnation'), { duplicable: false, toIncarnation: 1 });
    server.generation = 2;
    await loop.runUntil(200);
    expect(delivered).toEqual(['while paused']);
  });

  it('runs timers of a host clock only for the incarnation that set them', async () => {
    const { loop, server } = setup();
    const clock = new HostClock(loop, server);
    const fired: string[] = [];
    clock.schedule(10, () => fired.push('old life'));
    const cancelled = clock.schedule(10, () => fired.push('cancelled'));
    cancelled.cancel();
    server.generation = 2;
    clock.schedule(20, () => fired.push('new life'));
    await loop.runUntil(100);
    expect(fired).toEqual(['new life']);
    expect(clock.monotonic()).toBe(100);
  });

  it('lets promise continuations run between events, in a fixed order', async () => {
    const loop = new SimLoop();
    const order: string[] = [];
    loop.after(5, () => void Promise.resolve().then(() => order.push('continuation of first')));
    loop.after(5, () => order.push('second event'));
    await loop.runUntil(10);
    expect(order).toEqual(['continuation of first', 'second event']);
  });
});

describe('simulation network links', () => {
  it('delivers in order on links that do not reorder, and lets messages overtake on links that do', async () => {
    const arrivals = async (reorder: boolean) => {
      const loop = new SimLoop();
      const receiver = new ClientHost(2);
      const conditions = { ...CALM_REORDERING_NETWORK, minDelayMs: 0, maxDelayMs: 50, reorder };
      const network = new SimNetwork(new SeededRandom(3), loop, () => false, conditions);
      network.register(receiver);
      const order: number[] = [];
      for (let i = 0; i < 50; i++) network.send(1, 2, () => order.push(i), { duplicable: false });
      await loop.runUntil(1000);
      return order;
    };
    const inOrder = await arrivals(false);
    expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
    expect(inOrder).toHaveLength(50);
    const reordered = await arrivals(true);
    expect(reordered).toHaveLength(50);
    expect(reordered).not.toEqual([...reordered].sort((a, b) => a - b));
  });

  it('loses messages in flight when their link is cut, and counts what it delivered', async () => {
    const loop = new SimLoop();
    const receiver = new ClientHost(2);
    const network = new SimNetwork(new SeededRandom(4), loop, () => false);
    network.register(receiver);
    const got: string[] = [];
    network.send(1, 2, () => got.push('before the cut'), { duplicable: false });
    await loop.runUntil(20);
    network.send(1, 2, () => got.push('in flight'), { duplicable: false });
    network.cutLink(1, 2);
    await loop.runUntil(40);
    network.heal();
    expect(got).toEqual(['before the cut']);
    expect(network.stats).toMatchObject({ sent: 2, delivered: 1, dropped: 1 });
  });
});
