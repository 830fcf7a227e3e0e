/**
 * A scripted in-memory cluster for interaction tests: messages are delivered in FIFO order only
 * when the test says so, links can be cut, and every delivered message is recorded.
 */
import { SeededRandom } from '../../../src/common/random.js';
import { RaftCore, type RaftConfig } from '../../../src/raft/core.js';
import type { Entry, Message, MessageType, NodeId } from '../../../src/raft/types.js';
import { DurableState } from '../../../src/sim/durable-state.js';

export interface HarnessOptions {
  voters: NodeId[];
  learners?: NodeId[];
  electionTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxInflightAppends?: number;
  maxEntriesPerAppend?: number;
  seed?: number;
}

export class Harness {
  readonly nodes = new Map<NodeId, RaftCore>();
  readonly durable = new Map<NodeId, DurableState>();
  readonly applied = new Map<NodeId, Entry[]>();
  /** Every message handed to the network, delivered or not, in send order. */
  readonly sent: Message[] = [];
  private readonly queue: Message[] = [];
  private readonly cutLinks = new Set<string>();
  private readonly droppedTypes = new Set<MessageType>();
  private readonly random: SeededRandom;

  constructor(readonly options: HarnessOptions) {
    this.random = new SeededRandom(options.seed ?? 1);
    for (const id of this.members()) {
      this.durable.set(id, new DurableState());
      this.start(id);
    }
  }

  members(): NodeId[] {
    return [...this.options.voters, ...(this.options.learners ?? [])];
  }

  node(id: NodeId): RaftCore {
    return this.nodes.get(id)!;
  }

  config(id: NodeId): RaftConfig {
    const o = this.options;
    return {
      id,
      voters: o.voters,
      learners: o.learners ?? [],
      electionTicks: o.electionTicks ?? 10,
      heartbeatTicks: o.heartbeatTicks ?? 1,
      preVote: o.preVote ?? true,
      checkQuorum: o.checkQuorum ?? true,
      maxInflightAppends: o.maxInflightAppends ?? 64,
      maxEntriesPerAppend: o.maxEntriesPerAppend ?? 256,
      random: this.random.fork(),
    };
  }

  /** (Re)starts a node from its durable state, as after a crash. */
  start(id: NodeId): RaftCore {
    const core = new RaftCore(this.config(id), this.durable.get(id)!.load());
    this.nodes.set(id, core);
    this.applied.set(id, []);
    return core;
  }

  /** The application snapshots node `id` at its applied index: in memory and on its disk. */
  compact(id: NodeId, data: Uint8Array): void {
    const core = this.node(id);
    const index = core.appliedIndex();
    const term = core.entryAt(index)!.term;
    core.snapshot(index, data);
    const membership = { voters: this.options.voters, learners: this.options.learners ?? [] };
    this.durable.get(id)!.saveSnapshot({ meta: { index, term, membership }, data });
  }

  cut(from: NodeId, to: NodeId): void {
    this.cutLinks.add(`${from}>${to}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.members()) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  heal(): void {
    this.cutLinks.clear();
    this.droppedTypes.clear();
  }

  dropType(type: MessageType): void {
    this.droppedTypes.add(type);
  }

  /** Persists and applies every node's Ready and queues their messages, without delivering any. */
  collect(): Message[] {
    const out: Message[] = [];
    for (const [id, core] of this.nodes) {
      while (core.hasReady()) {
        const ready = core.ready();
        this.durable.get(id)!.persist(ready);
        out.push(...ready.messages);
        this.applied.get(id)!.push(...ready.committed);
        core.advance();
      }
    }
    this.sent.push(...out);
    for (const m of out) {
      if (!this.cutLinks.has(`${m.from}>${m.to}`) && !this.droppedTypes.has(m.type)) this.queue.push(m);
    }
    return out;
  }

  /** Delivers messages (and those they cause) until the network is quiet. Returns what was delivered. */
  flush(maxDeliveries = 100_000): Message[] {
    const delivered: Message[] = [];
    this.collect();
    while (this.queue.length > 0) {
      if (delivered.length >= maxDeliveries) throw new Error('the network did not quiesce');
      const m = this.queue.shift()!;
      delivered.push(m);
      this.nodes.get(m.to)?.step(m);
      this.collect();
    }
    return delivered;
  }

  /** Takes queued messages out of the network without delivering them. */
  takeQueued(): Message[] {
    return this.queue.splice(0, this.queue.length);
  }

  deliver(m: Message): void {
    this.nodes.get(m.to)!.step(m);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick();
  }

  /** Ticks every node once per round and lets the network settle after each round. */
  tickAll(rounds: number): void {
    for (let r = 0; r < rounds; r++) {
      for (const core of this.nodes.values()) core.tick();
      this.flush();
    }
  }

  /** Makes `id` campaign now and settles the network. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.flush();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.role() === 'leader').map((n) => n.id);
  }

  appliedData(id: NodeId): string[] {
    return this.applied.get(id)!.filter((e) => e.type === 'normal').map((e) => new TextDecoder().decode(e.data));
  }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
