/**
 * The virtual network between nodes and clients. Every message gets a random delay (so messages
 * reorder) drawn from the conditions of its link (a per-link override, else the network's), may be
 * lost, and — for one-way messages such as Raft's — duplicated. Links can be cut one way or both;
 * a message on a cut link is lost, also when the cut happens while it is in flight.
 *
 * Calls (request -> answer) carry controller requests, replica fetches and client requests. Either
 * direction may be delayed or lost; a lost call never answers and the caller's deadline ends it
 * with REQUEST_TIMED_OUT, as a gRPC deadline would. A call reaching a crashed node is refused, and
 * calls a node was serving when it crashed are reset, as a closed TCP connection would be.
 */
import type { Clock } from '../../common/clock.js';
import { errors } from '../../common/errors.js';
import type { SeededRandom } from '../../common/random.js';
import type { Host } from './host.js';
import { CALM_LINK, type LinkConditions } from './link-conditions.js';

export interface ClusterNetworkStats {
  sent: number;
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

interface SendOptions {
  /** Raft messages may arrive twice; calls never do. */
  readonly duplicable: boolean;
  /** Deliver only to this incarnation of the receiver (an answer to a call its old self made is dropped). */
  readonly toIncarnation?: number;
  /** Runs instead of delivery when the receiver's process is gone. */
  readonly refused?: () => void;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export class ClusterNetwork {
  /** Conditions of every link without its own. */
  conditions: LinkConditions = CALM_LINK;
  readonly stats: ClusterNetworkStats = { sent: 0, dropped: 0, duplicated: 0, calls: 0, refused: 0, timedOut: 0 };
  private readonly linkConditions = new Map<number, LinkConditions>();
  private readonly cut = new Set<number>();
  /** Per host, how to reset each call it is serving. */
  private readonly serving = new Map<number, Set<() => void>>();
  private readonly hosts = new Map<number, Host>();

  constructor(
    private readonly random: SeededRandom,
    private readonly schedule: (delayMs: number, fn: () => void) => void,
    /** True while the host's process is gone (crashed, not yet restarted). */
    private readonly isDown: (id: number) => boolean,
  ) {}

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
      host.run(options.toIncarnation ?? host.incarnation(), deliver);
    };
    this.schedule(this.delay(conditions), arrive);
    if (options.duplicable && this.random.chance(conditions.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(this.delay(conditions), arrive);
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
      this.send(from.id, to, () => this.serveCall(to, serve, answer), { duplicable: false, refused });
    });
  }

  /** The node's process died: the calls it was serving are reset. */
  resetCallsServedBy(hostId: number): void {
    const calls = this.serving.get(hostId);
    if (!calls) return;
    this.serving.delete(hostId);
    for (const reset of calls) reset();
  }

  setConditions(conditions: LinkConditions): void {
    this.conditions = conditions;
  }

  /** One link (one direction) gets its own conditions, e.g. a slow link. */
  setLinkConditions(from: number, to: number, conditions: LinkConditions): void {
    this.linkConditions.set(linkKey(from, to), conditions);
  }

  cutLink(from: number, to: number): void {
    this.cut.add(linkKey(from, to));
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

  private conditionsOf(from: number, to: number): LinkConditions {
    return this.linkConditions.get(linkKey(from, to)) ?? this.conditions;
  }

  private isCut(from: number, to: number): boolean {
    return this.cut.size > 0 && this.cut.has(linkKey(from, to));
  }

  private delay(c: LinkConditions): number {
    if (c.spikeRate > 0 && this.random.chance(c.spikeRate)) return this.random.int(c.maxDelayMs, Math.max(c.maxDelayMs, c.spikeDelayMs));
    return this.random.int(c.minDelayMs, c.maxDelayMs);
  }
}

function linkKey(from: number, to: number): number {
  return from * 65536 + to;
}
