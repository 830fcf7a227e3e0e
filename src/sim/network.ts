/**
 * The one virtual network of both simulations (Raft alone and whole clusters), between hosts
 * (nodes and clients). Every message gets a random delay drawn from the conditions of its link (a
 * per-link override, else the network's), may be lost, and — for one-way messages such as Raft's —
 * duplicated. A link delivers in order (like the gRPC stream between two real nodes) unless its
 * conditions allow reordering. Links can be cut one way or both; a message on a cut link is lost,
 * also when the cut happens while it is in flight.
 *
 * Calls (request -> answer) carry controller requests, replica fetches and client requests. Either
 * direction may be delayed or lost; a lost call never answers and the caller's deadline ends it
 * with REQUEST_TIMED_OUT, as a gRPC deadline would. A call reaching a crashed node is refused, and
 * calls a node was serving when it crashed are reset, as a closed TCP connection would be.
 *
 * Whatever reaches a host runs through `Host.run`: a paused process holds it, a crashed one drops it.
 */
import type { Clock } from '../common/clock.js';
import { errors } from '../common/errors.js';
import type { SeededRandom } from '../common/random.js';
import type { Host } from './host.js';

export interface NetworkConditions {
  /** Probability that a message is lost. */
  readonly lossRate: number;
  /** Probability that a one-way message is delivered twice. */
  readonly duplicateRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability that a message takes up to `spikeDelayMs` instead. */
  readonly spikeRate: number;
  readonly spikeDelayMs: number;
  /** Whether a message may overtake an earlier one on the same link. */
  readonly reorder: boolean;
}

/** A calm network whose links deliver in order. */
export const CALM_NETWORK: NetworkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  minDelayMs: 1,
  maxDelayMs: 5,
  spikeRate: 0,
  spikeDelayMs: 0,
  reorder: false,
};

/** A calm network whose messages may overtake each other (different delays, no loss). */
export const CALM_REORDERING_NETWORK: NetworkConditions = { ...CALM_NETWORK, reorder: true };

/**
 * A bad but working network: loss up to `maxLossRate` (none 30% of the time), some duplication,
 * 0–15 ms delays with occasional spikes up to 150 ms.
 */
export function randomConditions(random: SeededRandom, maxLossRate: number, reorder: boolean): NetworkConditions {
  const maxDelayMs = random.int(2, 15);
  return {
    lossRate: random.chance(0.3) ? 0 : random.next() * maxLossRate,
    duplicateRate: random.next() * 0.05,
    minDelayMs: random.int(0, 2),
    maxDelayMs,
    spikeRate: random.next() * 0.05,
    spikeDelayMs: random.int(maxDelayMs, 150),
    reorder,
  };
}

/** A slow but lossless link (20–200 ms per message). */
export function slowLinkConditions(random: SeededRandom): NetworkConditions {
  const minDelayMs = random.int(20, 80);
  return { lossRate: 0, duplicateRate: 0, minDelayMs, maxDelayMs: minDelayMs + random.int(10, 120), spikeRate: 0, spikeDelayMs: 0, reorder: true };
}

export function describeConditions(c: NetworkConditions): string {
  const order = c.reorder ? 'reordering' : 'in order';
  return `loss=${c.lossRate.toFixed(2)} dup=${c.duplicateRate.toFixed(2)} delay=${c.minDelayMs}-${c.maxDelayMs}ms spikes=${c.spikeRate.toFixed(2)}@${c.spikeDelayMs}ms ${order}`;
}

export interface NetworkStats {
  sent: number;
  /** Messages (and call legs) that reached a running or paused host. */
  delivered: number;
  dropped: number;
  duplicated: number;
  calls: number;
  refused: number;
  timedOut: number;
}

export interface CallOptions {
  readonly from: Host;
  readonly fromClock: Clock;
  readonly to: number;
  readonly timeoutMs: number;
  /** For error messages. */
  readonly what: string;
}

export interface SendOptions {
  /** Raft messages may arrive twice; calls never do. */
  readonly duplicable: boolean;
  /** Deliver only to this incarnation of the receiver (an answer to a call its old self made is dropped). */
  readonly toIncarnation?: number;
  /** Runs instead of delivery when the receiver's process is gone. */
  readonly refused?: () => void;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export class SimNetwork {
  /** Conditions of every link without its own. */
  conditions: NetworkConditions;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, calls: 0, refused: 0, timedOut: 0 };
  private readonly linkConditions = new Map<number, NetworkConditions>();
  private readonly cut = new Set<number>();
  /** Per link, when its latest message arrives: in-order links never deliver before that. */
  private readonly lastArrivalMs = new Map<number, number>();
  /** Per host, how to reset each call it is serving. */
  private readonly serving = new Map<number, Set<() => void>>();
  private readonly hosts = new Map<number, Host>();
  /** Calls lost on their way to the callee, by what they are (see `loseCalls`). */
  private readonly lostCalls = new Set<(call: { from: number; to: number; what: string }) => boolean>();

  constructor(
    private readonly random: SeededRandom,
    private readonly clock: { now(): number; after(delayMs: number, fn: () => void): unknown },
    /** True while the host's process is gone (crashed, not yet restarted). */
    private readonly isDown: (id: number) => boolean,
    initial: NetworkConditions = CALM_NETWORK,
  ) {
    this.conditions = initial;
  }

  /** Connects a node or client; messages to unknown ids are lost. */
  register(host: Host): void {
    this.hosts.set(host.id, host);
  }

  /** A message one way; `deliver` runs on the receiving host if it arrives. */
  send(from: number, to: number, deliver: () => void, options: SendOptions = { duplicable: false }): void {
    this.stats.sent++;
    const conditions = this.conditionsOf(from, to);
    if (this.isCut(from, to) || this.random.chance(conditions.lossRate)) {
      this.stats.dropped++;
      return;
    }
    const arrive = (): void => {
      if (this.isCut(from, to)) {
        this.stats.dropped++;
        return;
      }
      if (options.refused && this.isDown(to)) return options.refused();
      const host = this.hosts.get(to);
      if (!host) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      host.run(options.toIncarnation ?? host.incarnation(), deliver);
    };
    this.deliverLater(from, to, conditions, arrive);
    if (options.duplicable && this.random.chance(conditions.duplicateRate)) {
      this.stats.duplicated++;
      this.deliverLater(from, to, conditions, arrive);
    }
  }

  /** A request and its answer; `serve` runs on the target host. */
  call<T>(options: CallOptions, serve: () => Promise<T>): Promise<T> {
    this.stats.calls++;
    const { from, fromClock, to, timeoutMs, what } = options;
    const callerIncarnation = from.incarnation();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: Outcome<T>): void => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        if (outcome.ok) resolve(outcome.value);
        else reject(outcome.error);
      };
      const deadline = fromClock.schedule(timeoutMs, () => {
        this.stats.timedOut++;
        settle({ ok: false, error: errors.requestTimedOut(`${what} to node ${to}: no answer within ${timeoutMs}ms`) });
      });
      const answer = (outcome: Outcome<T>): void => this.send(to, from.id, () => settle(outcome), { duplicable: false, toIncarnation: callerIncarnation });
      const refused = (): void => {
        this.stats.refused++;
        answer({ ok: false, error: errors.networkException(`${what} to node ${to}: connection refused`) });
      };
      if (this.lostCalls.size > 0 && [...this.lostCalls].some((lost) => lost({ from: from.id, to, what }))) {
        this.stats.sent++;
        this.stats.dropped++;
        return;
      }
      this.send(from.id, to, () => this.serveCall(to, serve, answer), { duplicable: false, refused });
    });
  }

  /**
   * From now on, calls that `match` (by caller, callee and what they are, e.g. 'controller
   * alterPartition') are lost on the way, until the returned function is called. A scripted run
   * uses it to hold one kind of request back while everything else flows.
   */
  loseCalls(match: (call: { from: number; to: number; what: string }) => boolean): () => void {
    this.lostCalls.add(match);
    return () => this.lostCalls.delete(match);
  }

  /** The node's process died: the calls it was serving are reset. */
  resetCallsServedBy(hostId: number): void {
    const calls = this.serving.get(hostId);
    if (!calls) return;
    this.serving.delete(hostId);
    for (const reset of calls) reset();
  }

  setConditions(conditions: NetworkConditions): void {
    this.conditions = conditions;
  }

  /** One link (one direction) gets its own conditions, e.g. a slow link. */
  setLinkConditions(from: number, to: number, conditions: NetworkConditions): void {
    this.linkConditions.set(linkKey(from, to), conditions);
  }

  cutLink(from: number, to: number): void {
    this.cut.add(linkKey(from, to));
  }

  /** Reconnects one link (one direction); the others stay as they are. */
  restoreLink(from: number, to: number): void {
    this.cut.delete(linkKey(from, to));
  }

  /** Cuts every link between the groups, both ways; links inside a group stay. */
  partition(groups: readonly (readonly number[])[]): void {
    for (const a of groups) for (const b of groups) if (a !== b) for (const from of a) for (const to of b) this.cutLink(from, to);
  }

  /** Reconnects every link and gives every link the network's conditions again. */
  heal(): void {
    this.cut.clear();
    this.linkConditions.clear();
  }

  cutLinks(): number {
    return this.cut.size;
  }

  private deliverLater(from: number, to: number, conditions: NetworkConditions, arrive: () => void): void {
    const now = this.clock.now();
    let arrivalMs = now + this.delay(conditions);
    const link = linkKey(from, to);
    const latest = this.lastArrivalMs.get(link) ?? 0;
    if (!conditions.reorder) arrivalMs = Math.max(arrivalMs, latest);
    this.lastArrivalMs.set(link, Math.max(arrivalMs, latest));
    this.clock.after(arrivalMs - now, arrive);
  }

  private serveCall<T>(to: number, serve: () => Promise<T>, answer: (outcome: Outcome<T>) => void): void {
    let calls = this.serving.get(to);
    if (!calls) this.serving.set(to, (calls = new Set()));
    const reset = (): void => answer({ ok: false, error: errors.networkException(`connection to node ${to} reset`) });
    calls.add(reset);
    const finish = (outcome: Outcome<T>): void => {
      // Only the first of reset and answer counts.
      if (this.serving.get(to)?.delete(reset)) answer(outcome);
    };
    let served: Promise<T>;
    try {
      served = serve();
    } catch (error) {
      served = Promise.reject(error);
    }
    served.then(
      (value) => finish({ ok: true, value }),
      (error: unknown) => finish({ ok: false, error }),
    );
  }

  private conditionsOf(from: number, to: number): NetworkConditions {
    return this.linkConditions.get(linkKey(from, to)) ?? this.conditions;
  }

  private isCut(from: number, to: number): boolean {
    return this.cut.size > 0 && this.cut.has(linkKey(from, to));
  }

  private delay(c: NetworkConditions): number {
    if (c.spikeRate > 0 && this.random.chance(c.spikeRate)) return this.random.int(c.maxDelayMs, Math.max(c.maxDelayMs, c.spikeDelayMs));
    return this.random.int(c.minDelayMs, c.maxDelayMs);
  }
}

function linkKey(from: number, to: number): number {
  return from * 65536 + to;
}
