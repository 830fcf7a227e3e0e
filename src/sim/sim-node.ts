/**
 * One node of the Raft simulation: a process running a real RaftDriver (with its ReadyPersister)
 * over a RaftCore, on the virtual clock and network, writing to a DurableState "disk" through a
 * DelayedRaftStorage, with the application on top. The driver persists each Ready before sending
 * its messages, as in every real node.
 *
 * Like a cluster node it is a Host: whatever reaches it (timer, message, completed write) runs
 * through `run`, so a crash silences the old incarnation for good (its writes still in progress
 * are lost) and a pause holds its work until it resumes. An armed power loss strikes the moment
 * the next write becomes durable, before the driver learns of it: between persist and send.
 */
import { AssertionFailure } from '../common/errors.js';
import { silentLogger } from '../common/logger.js';
import type { SeededRandom } from '../common/random.js';
import { RaftCore, type RaftConfig } from '../raft/core.js';
import { RaftDriver, type DrivenCore, type RaftDriverOptions } from '../raft/driver.js';
import type { Entry, Membership, Message, NodeId, RaftTransport, Snapshot } from '../raft/types.js';
import { AppStateMachine, decodeAppSnapshot, encodeAppSnapshot, type AppSnapshot } from './app-state-machine.js';
import { DelayedRaftStorage } from './delayed-raft-storage.js';
import { DurableState } from './durable-state.js';
import type { FaultableNode, NodeStatus } from './fault-injector.js';
import { HostClock, type Host } from './host.js';
import type { CrashKind } from './nemesis.js';
import type { SimNetwork } from './network.js';
import type { SimLoop } from './sim-loop.js';

export type { NodeStatus } from './fault-injector.js';

/** What a node reports to the simulation while it runs. */
export interface NodeObserver {
  /** The core changed (after every tick, step, proposal and advance): check it. */
  changed(node: SimNode): void;
  applied(node: NodeId, term: number, entry: Entry): void;
  restored(node: NodeId, snapshot: AppSnapshot): void;
  received(node: NodeId, message: Message): void;
}

export type DriverFactory = (options: RaftDriverOptions) => RaftDriver;

export interface SimNodeOptions {
  readonly membership: Membership;
  readonly makeConfig: (random: SeededRandom) => RaftConfig;
  readonly random: SeededRandom;
  readonly snapshotEvery: number;
  readonly tickMs: number;
  readonly loop: SimLoop;
  readonly network: SimNetwork;
  /** Where a message to another node goes when it arrives. */
  readonly deliver: (message: Message) => void;
  readonly observer: NodeObserver;
  readonly makeDriver: DriverFactory;
}

export class SimNode implements Host, FaultableNode {
  readonly durable = new DurableState();
  readonly clock: HostClock;
  /** The running (or last) process's core and driver. */
  core: RaftCore;
  driver: RaftDriver | undefined;
  app = new AppStateMachine();
  snapshotsTaken = 0;
  snapshotsInstalled = 0;
  private state: NodeStatus = 'crashed';
  private generation = 0;
  private held: Array<() => void> = [];
  private handler: ((message: Message) => void) | undefined;
  private powerLossArmed: (() => boolean) | undefined;
  private appliedSinceSnapshot = 0;

  constructor(
    readonly id: NodeId,
    private readonly options: SimNodeOptions,
  ) {
    this.clock = new HostClock(options.loop, this);
    // A core that never ran, until the process starts.
    this.core = new RaftCore(options.makeConfig(options.random.fork()), this.durable.load());
  }

  status(): NodeStatus {
    return this.state;
  }

  incarnation(): number {
    return this.generation;
  }

  run(incarnation: number, fn: () => void): void {
    if (incarnation !== this.generation || this.state === 'crashed') return;
    if (this.state === 'paused') this.held.push(fn);
    else fn();
  }

  /** Starts a process over the disk as it is: a fresh core, driver and application. */
  start(): void {
    if (this.state !== 'crashed') return;
    this.generation++;
    this.state = 'up';
    const { random, makeConfig, loop, tickMs } = this.options;
    const initial = this.durable.load();
    const core = new RaftCore(makeConfig(random.fork()), initial);
    this.core = core;
    this.app = new AppStateMachine();
    this.appliedSinceSnapshot = 0;
    this.handler = undefined;
    if (initial.snapshot) this.restoreApp(decodeAppSnapshot(initial.snapshot.data));
    const driver = this.options.makeDriver({
      core: this.checked(core),
      storage: new DelayedRaftStorage(this.durable.asRaftStorage(), this.clock, random.fork(), () => this.afterDurableWrite()),
      transport: this.transport(),
      clock: this.clock,
      tickMs,
      apply: (entries) => this.apply(core, entries),
      restore: (snapshot) => this.install(snapshot),
      membership: initial.snapshot?.meta.membership ?? this.options.membership,
      logger: silentLogger(),
    });
    // The driver failed (an invariant broke inside it, or a write failed): the run stops.
    driver.onFatal((error) => loop.fail(error));
    this.driver = driver;
    driver.start(initial.snapshot?.meta.index ?? 0);
  }

  crash(_kind: Exclude<CrashKind, 'power-loss-after-write'>): void {
    // Raft's writes in progress are lost either way: the disk holds what completed.
    if (this.state === 'crashed') return;
    this.state = 'crashed';
    this.held = [];
    this.powerLossArmed = undefined;
  }

  armPowerLossAfterWrite(strike: () => boolean): void {
    this.powerLossArmed = strike;
  }

  pause(): void {
    if (this.state === 'up') this.state = 'paused';
  }

  /** The process continues: what queued up while it was stopped runs now, in order. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'up';
    const held = this.held;
    this.held = [];
    const generation = this.generation;
    for (const fn of held) this.options.loop.after(0, () => this.run(generation, fn));
  }

  /** A message arrived for the running incarnation. */
  receive(message: Message): void {
    this.options.observer.received(this.id, message);
    this.handler?.(message);
  }

  /** A write just became durable: an armed power loss strikes now, before the driver goes on. */
  private afterDurableWrite(): boolean {
    const strike = this.powerLossArmed;
    if (strike === undefined || this.state !== 'up') return false;
    this.powerLossArmed = undefined;
    if (!strike()) return false;
    this.crash('power-loss');
    return true;
  }

  private transport(): RaftTransport {
    const { network, deliver } = this.options;
    return {
      send: (message) => network.send(this.id, message.to, () => deliver(message), { duplicable: true }),
      onMessage: (handler) => (this.handler = handler),
    };
  }

  /** The core as the driver drives it, reporting every change so the checker sees each step. */
  private checked(core: RaftCore): DrivenCore {
    const changed = (): void => this.options.observer.changed(this);
    return {
      tick: () => {
        core.tick();
        changed();
      },
      step: (message) => {
        core.step(message);
        changed();
      },
      peerLost: (peer) => {
        core.peerLost(peer);
        changed();
      },
      proposeAll: (data) => {
        const proposed = core.proposeAll(data);
        changed();
        return proposed;
      },
      hasReady: () => core.hasReady(),
      ready: () => core.ready(),
      advance: () => {
        core.advance();
        changed();
      },
      snapshot: (index, data) => core.snapshot(index, data),
      entryAt: (index) => core.entryAt(index),
      addLearner: (id) => core.addLearner(id),
      role: () => core.role(),
      leader: () => core.leader(),
      term: () => core.term(),
      commitIndex: () => core.commitIndex(),
      lastIndex: () => core.lastIndex(),
    };
  }

  private apply(core: RaftCore, entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.options.observer.applied(this.id, core.term(), entry);
      if (!this.app.apply(entry)) throw new AssertionFailure(`node ${this.id} was handed entry ${entry.index} after applying ${this.app.appliedIndex}`);
      this.appliedSinceSnapshot++;
    }
    this.maybeTakeSnapshot();
  }

  /** A snapshot from the leader replaces the application. */
  private install(snapshot: Snapshot): void {
    this.snapshotsInstalled++;
    this.restoreApp(decodeAppSnapshot(snapshot.data));
  }

  private restoreApp(snapshot: AppSnapshot): void {
    this.options.observer.restored(this.id, snapshot);
    this.app.restore(snapshot);
    this.appliedSinceSnapshot = 0;
  }

  /** Snapshots the application every few applied entries, so lagging followers need InstallSnapshot. */
  private maybeTakeSnapshot(): void {
    if (this.appliedSinceSnapshot < this.options.snapshotEvery || this.driver === undefined) return;
    this.appliedSinceSnapshot = 0;
    const data = encodeAppSnapshot(this.app.snapshot());
    // Refused when the index is already compacted (a leader's snapshot got there first): no harm.
    this.driver.snapshot(this.app.appliedIndex, data).then(
      () => this.snapshotsTaken++,
      () => {},
    );
  }
}
