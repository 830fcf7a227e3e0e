/**
 * Three RaftDrivers in one process over an in-memory network, on the real clock: the driver's
 * promises (commit + apply, NOT_CONTROLLER, lost entries, timeouts) and its persist-before-send
 * order, with the real core and memory storage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/common/clock.js';
import { isBrokerError, type BrokerError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { SeededRandom } from '../../src/common/random.js';
import { NetworkFaults, faultyTransport } from '../../src/net/faults.js';
import { ReadyPersister } from '../../src/raft/driver-persistence.js';
import { RaftDriver, type DrivenCore } from '../../src/raft/driver.js';
import { MemoryRaftStorage } from '../../src/raft/storage/index.js';
import type { Entry, HardState, Message, NodeId, RaftTransport, Ready, Snapshot } from '../../src/raft/types.js';

class Hub {
  private readonly handlers = new Map<NodeId, (m: Message) => void>();
  transport(id: NodeId): RaftTransport {
    return {
      send: (m) => setImmediate(() => this.handlers.get(m.to)?.(m)),
      onMessage: (h) => this.handlers.set(id, h),
    };
  }
}

/** `send:<type>:<term>`, and for a successful AppendResponse `:<index acknowledged>`. */
function sendEvent(m: Message): string {
  const acknowledged = m.type === 'AppendResponse' && m.success ? `:${m.index}` : '';
  return `send:${m.type}:${m.term}${acknowledged}`;
}

/** Records the order of storage writes and sends, to check persist-before-send. */
class RecordingStorage extends MemoryRaftStorage {
  constructor(private readonly events: string[]) {
    super();
  }
  override async append(entries: readonly Entry[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 2));
    await super.append(entries);
    this.events.push(`append:${entries[entries.length - 1]!.index}`);
  }
  override async setHardState(state: HardState): Promise<void> {
    await new Promise((r) => setTimeout(r, 2));
    await super.setHardState(state);
    this.events.push(`hardState:${state.term}:${state.vote}`);
  }
}

interface Member {
  id: NodeId;
  driver: RaftDriver;
  /** Entries applied since the last (re)start, and snapshots restored. */
  applied: Entry[];
  restored: Snapshot[];
  faults: NetworkFaults;
  storage: RecordingStorage;
  events: string[];
  /** Stops the driver and opens a new one over the same storage, as a process restart would. */
  restart(): Promise<void>;
}

const running: RaftDriver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

async function cluster(options: { proposalTimeoutMs?: number } = {}): Promise<Member[]> {
  const hub = new Hub();
  const ids = [1, 2, 3];
  return Promise.all(
    ids.map(async (id) => {
      const events: string[] = [];
      const faults = new NetworkFaults();
      const inner = hub.transport(id);
      const transport = faultyTransport(
        { send: (m) => (events.push(sendEvent(m)), inner.send(m)), onMessage: (h) => inner.onMessage(h) },
        faults,
      );
      const open = (): Promise<RaftDriver> =>
        RaftDriver.open({
          config: { id, voters: ids, electionTicks: 10, heartbeatTicks: 2, random: new SeededRandom(id) },
          storage: member.storage,
          transport,
          clock: systemClock,
          tickMs: 10,
          apply: (entries) => void member.applied.push(...entries),
          restore: (snapshot) => void member.restored.push(snapshot),
          logger: silentLogger(),
          ...(options.proposalTimeoutMs ? { proposalTimeoutMs: options.proposalTimeoutMs } : {}),
        }).then((driver) => {
          running.push(driver);
          return driver;
        });
      const member: Member = {
        id,
        driver: undefined as unknown as RaftDriver,
        applied: [],
        restored: [],
        faults,
        storage: new RecordingStorage(events),
        events,
        async restart() {
          await member.driver.stop();
          await member.storage.close();
          member.storage.reopen();
          member.applied = [];
          member.restored = [];
          member.driver = await open();
        },
      };
      member.driver = await open();
      return member;
    }),
  );
}

/** A scripted follower core that hands out `ready` once; `steps` records the ticks and messages it is given. */
function coreWithOneReady(ready: Pick<Ready, 'entries' | 'messages' | 'committed'>, steps: string[] = []): { core: DrivenCore; advanced: () => boolean } {
  let pending = true;
  const core = {
    tick: () => void steps.push('tick'),
    step: (m: Message) => void steps.push(`step:${m.type}`),
    hasReady: () => pending,
    ready: () => ready,
    advance: () => void (pending = false),
    role: () => 'follower' as const,
    leader: () => 2,
    term: () => 1,
    commitIndex: () => ready.committed.at(-1)?.index ?? 0,
    lastIndex: () => ready.entries.at(-1)?.index ?? 0,
  } as unknown as DrivenCore;
  return { core, advanced: () => !pending };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const leaderOf = (members: Member[], except?: NodeId): Member | undefined =>
  members.find((m) => m.id !== except && m.driver.role() === 'leader');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const normal = (entries: Entry[]): string[] => entries.filter((e) => e.type === 'normal').map((e) => new TextDecoder().decode(e.data));

describe('RaftDriver', () => {
  it('resolves a proposal once it is committed and applied on the leader, and replicates it everywhere', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    const result = await leader.driver.propose(text('hello'));
    expect(normal(leader.applied)).toEqual(['hello']);
    expect(leader.applied.at(-1)).toMatchObject({ index: result.index, term: result.term });
    for (const m of members) await until(() => normal(m.applied).length === 1);
    expect(members.map((m) => normal(m.applied))).toEqual([['hello'], ['hello'], ['hello']]);
    // The commit index reaches storage too, in the background.
    for (const m of members) await until(async () => (await m.storage.load()).hardState.commit >= result.index);
  });

  it('pipelines many proposals, all applied in proposal order', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => leader.driver.propose(text(`p${i}`))));
    const indexes = results.map((r) => r.index);
    expect(indexes).toEqual(indexes.slice().sort((a, b) => a - b));
    expect(normal(leader.applied)).toEqual(Array.from({ length: 300 }, (_, i) => `p${i}`));
  });

  it('rejects a proposal on a follower with NOT_CONTROLLER naming the leader', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    const follower = members.find((m) => m !== leader)!;
    await until(() => follower.driver.leader() === leader.id);
    const error = (await follower.driver.propose(text('x')).catch((e: unknown) => e)) as BrokerError;
    expect(isBrokerError(error, 'NOT_CONTROLLER')).toBe(true);
    expect(error.details['leaderId']).toBe(leader.id);
  });

  it('acknowledges entries only once they are durable, and commits none before the leader wrote it', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    for (const m of members) m.events.length = 0;
    const { index } = await leader.driver.propose(text('ordered'));
    // The leader may send its appends while it writes them, but the entry commits (and the
    // proposal settles) only after the leader's own write.
    expect(leader.events).toContain(`append:${index}`);
    let acknowledged = 0;
    for (const m of members.filter((x) => x !== leader)) {
      const ackAt = m.events.findIndex((e) => e.startsWith('send:AppendResponse:') && Number(e.split(':')[3]) >= index);
      if (ackAt < 0) continue;
      acknowledged++;
      const writtenAt = m.events.findIndex((e) => e.startsWith('append:') && Number(e.split(':')[1]) >= index);
      expect(writtenAt, `node ${m.id} acknowledged ${index} before writing it`).toBeGreaterThanOrEqual(0);
      expect(writtenAt).toBeLessThan(ackAt);
    }
    // A commit needs a follower's acknowledgement.
    expect(acknowledged).toBeGreaterThanOrEqual(1);
  });

  it('makes its term and vote durable before asking for or granting a vote', async () => {
    const members = await cluster();
    await until(() => leaderOf(members));
    let checked = 0;
    for (const m of members) {
      m.events.forEach((event, at) => {
        const [kind, type, term] = event.split(':');
        if (kind !== 'send' || (type !== 'Vote' && type !== 'VoteResponse')) return;
        const persisted = m.events.slice(0, at).some((e) => e.startsWith(`hardState:${term}:`));
        expect(persisted, `${event} on node ${m.id} before its hard state`).toBe(true);
        checked++;
      });
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('fails the proposals of a leader cut off from the quorum once a new leader overwrites them', async () => {
    const members = await cluster({ proposalTimeoutMs: 20_000 });
    const old = await until(() => leaderOf(members));
    await old.driver.propose(text('before'));
    old.faults.isolate();
    const lost = old.driver.propose(text('lost')).catch((e: unknown) => e);
    const successor = await until(() => leaderOf(members, old.id));
    await successor.driver.propose(text('after'));
    old.faults.heal();
    const error = (await lost) as BrokerError;
    expect(isBrokerError(error, 'NOT_CONTROLLER')).toBe(true);
    await until(() => normal(old.applied).includes('after'));
    expect(normal(old.applied)).toEqual(['before', 'after']);
  });

  it('times out a proposal that cannot commit, and stop() rejects what is still pending', async () => {
    const members = await cluster({ proposalTimeoutMs: 150 });
    const leader = await until(() => leaderOf(members));
    for (const m of members) if (m !== leader) m.faults.isolate();
    const started = Date.now();
    const error = (await leader.driver.propose(text('stuck')).catch((e: unknown) => e)) as BrokerError;
    expect(isBrokerError(error, 'REQUEST_TIMED_OUT')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);

    const fresh = await cluster({ proposalTimeoutMs: 60_000 });
    const freshLeader = await until(() => leaderOf(fresh));
    for (const m of fresh) if (m !== freshLeader) m.faults.isolate();
    const pending = freshLeader.driver.propose(text('pending')).catch((e: unknown) => e);
    await until(() => freshLeader.driver.status().pendingProposals === 1 && freshLeader.driver.status().lastIndex > 1);
    await freshLeader.driver.stop();
    // The entry is in the leader's log and might still commit: the outcome is unknown.
    expect(isBrokerError(await pending, 'REQUEST_TIMED_OUT')).toBe(true);
    expect(isBrokerError(await freshLeader.driver.propose(text('late')).catch((e: unknown) => e), 'NOT_CONTROLLER')).toBe(true);
  });

  it('compacts the log with a snapshot and restarts from it, applying only what follows', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    for (let i = 0; i < 20; i++) await leader.driver.propose(text(`e${i}`));
    const at = leader.driver.appliedIndex();
    await leader.driver.snapshot(at, text('twenty'));
    const stored = await leader.storage.load();
    expect(stored.snapshot?.meta).toMatchObject({ index: at, membership: { voters: [1, 2, 3], learners: [] } });
    expect(stored.entries.every((e) => e.index > at)).toBe(true);
    await expect(leader.driver.snapshot(at + 100, text('beyond'))).rejects.toThrow(/INVALID_REQUEST/);

    await leader.restart();
    await until(() => leader.restored.length === 1);
    expect(new TextDecoder().decode(leader.restored[0]!.data)).toBe('twenty');
    const next = await until(() => leaderOf(members));
    await next.driver.propose(text('after restart'));
    await until(() => normal(leader.applied).includes('after restart'));
    expect(leader.applied.every((e) => e.index > at)).toBe(true);
  });

  it('brings a follower that missed compacted entries up to date with the leader snapshot', async () => {
    const members = await cluster();
    const leader = await until(() => leaderOf(members));
    const lagging = members.find((m) => m !== leader)!;
    lagging.faults.isolate();
    for (let i = 0; i < 30; i++) await leader.driver.propose(text(`e${i}`));
    await leader.driver.snapshot(leader.driver.appliedIndex(), text('thirty'));
    lagging.faults.heal();
    await until(() => lagging.restored.length === 1);
    expect(new TextDecoder().decode(lagging.restored[0]!.data)).toBe('thirty');
    const current = await until(() => leaderOf(members));
    await current.driver.propose(text('after snapshot'));
    await until(() => normal(lagging.applied).includes('after snapshot'));
    expect(normal(lagging.applied)).not.toContain('e0');
    expect((await lagging.storage.load()).snapshot?.meta.index).toBeGreaterThanOrEqual(30);
  });

  it('steps ticks and messages that arrived during a slow persist in their arrival order', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const { core } = coreWithOneReady({ entries: [{ index: 1, term: 1, type: 'noop', data: new Uint8Array(0) }], messages: [], committed: [] }, calls);
    let finishAppend!: () => void;
    const storage = new MemoryRaftStorage();
    storage.append = () => new Promise<void>((resolve) => (finishAppend = resolve));
    let deliver!: (m: Message) => void;
    const driver = new RaftDriver({
      core,
      storage,
      transport: { send: () => undefined, onMessage: (h) => (deliver = h) },
      clock,
      tickMs: 10,
      apply: () => undefined,
      membership: { voters: [1, 2, 3], learners: [] },
      logger: silentLogger(),
    });
    running.push(driver);
    driver.start();
    await until(() => finishAppend !== undefined);
    clock.advance(20);
    deliver({ type: 'Heartbeat', from: 2, to: 1, term: 1, commit: 0 });
    clock.advance(10);
    finishAppend();
    await until(() => calls.length === 4);
    expect(calls).toEqual(['tick', 'tick', 'step:Heartbeat', 'tick']);
  });
});

describe('applying committed entries', () => {
  it('applies entries an earlier Ready made durable while this Ready is written, and its own new ones only after', async () => {
    const entry = (index: number): Entry => ({ index, term: 1, type: 'normal', data: new Uint8Array(0) });
    // Entries 1-2 are durable from an earlier Ready; this one brings 3-4, and the commit covers 1-3.
    const { core, advanced } = coreWithOneReady({ entries: [entry(3), entry(4)], messages: [], committed: [entry(1), entry(2), entry(3)] });
    let finishAppend: (() => void) | undefined;
    const storage = new MemoryRaftStorage();
    storage.append = () => new Promise<void>((resolve) => (finishAppend = resolve));
    const applied: number[] = [];
    const driver = new RaftDriver({
      core,
      storage,
      transport: { send: () => undefined, onMessage: () => undefined },
      clock: new ManualClock(),
      tickMs: 10,
      apply: (entries) => void applied.push(...entries.map((e) => e.index)),
      membership: { voters: [1, 2, 3], learners: [] },
      logger: silentLogger(),
    });
    running.push(driver);
    driver.start();
    await until(() => finishAppend !== undefined && applied.length > 0);
    expect(applied).toEqual([1, 2]);
    finishAppend!();
    await until(advanced);
    expect(applied).toEqual([1, 2, 3]);
  });
});

describe('ReadyPersister', () => {
  function recorder(): { storage: MemoryRaftStorage; written: HardState[] } {
    const storage = new MemoryRaftStorage();
    const written: HardState[] = [];
    const original = storage.setHardState.bind(storage);
    storage.setHardState = (state) => (written.push(state), original(state));
    return { storage, written };
  }
  const ready = (hardState: HardState, entries: Entry[] = []) => ({ hardState, entries, messages: [], committed: [] });

  it('writes commit-only changes in the background, throttled, keeping only the newest', async () => {
    const clock = new ManualClock();
    const { storage, written } = recorder();
    await storage.load();
    const persister = new ReadyPersister(storage, clock, 100, (e) => {
      throw e;
    });
    await persister.persist(ready({ term: 1, vote: 1, commit: 0 }));
    for (let commit = 1; commit <= 5; commit++) await persister.persist(ready({ term: 1, vote: 1, commit }));
    expect(written.map((s) => s.commit)).toEqual([0]);
    clock.advance(0);
    expect(written.map((s) => s.commit)).toEqual([0, 5]);
    await persister.persist(ready({ term: 1, vote: 1, commit: 6 }));
    clock.advance(99);
    expect(written.map((s) => s.commit)).toEqual([0, 5]);
    clock.advance(1);
    expect(written.map((s) => s.commit)).toEqual([0, 5, 6]);
  });

  it('never lets a delayed commit-only write land after a newer term or vote', async () => {
    const clock = new ManualClock();
    const { storage, written } = recorder();
    await storage.load();
    const persister = new ReadyPersister(storage, clock, 100, (e) => {
      throw e;
    });
    await persister.persist(ready({ term: 1, vote: 1, commit: 0 }));
    await persister.persist(ready({ term: 1, vote: 1, commit: 3 }));
    await persister.persist(ready({ term: 2, vote: 0, commit: 3 }));
    clock.advance(1_000);
    expect(written.at(-1)).toEqual({ term: 2, vote: 0, commit: 3 });
    expect((await storage.load()).hardState).toEqual({ term: 2, vote: 0, commit: 3 });
  });

  it('waits for the entries before a commit index that covers them', async () => {
    const clock = new ManualClock();
    const storage = new MemoryRaftStorage();
    await storage.load();
    const order: string[] = [];
    let finishAppend!: () => void;
    storage.append = () => new Promise<void>((resolve) => (finishAppend = () => (order.push('append'), resolve())));
    storage.setHardState = async () => void order.push('hardState');
    const persister = new ReadyPersister(storage, clock, 100, (e) => {
      throw e;
    });
    const entries: Entry[] = [{ index: 1, term: 1, type: 'normal', data: new Uint8Array(1) }];
    const done = persister.persist(ready({ term: 1, vote: 2, commit: 1 }, entries));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    finishAppend();
    await done;
    expect(order).toEqual(['append', 'hardState']);
  });
});
