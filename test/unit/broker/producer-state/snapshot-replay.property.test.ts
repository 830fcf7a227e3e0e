/**
 * Random producers against one leader replica: in-order batches, retries, fenced epochs, gaps,
 * epoch bumps, plain batches, truncations, clean restarts and crashes that lose unflushed log. After
 * every step the live state must equal a full replay of the log; regularly a reload from the
 * snapshots must equal it too; and the log must never hold a duplicate or a gap of any producer.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/common/random.js';
import {
  MAX_SEQUENCE,
  ProducerSnapshotStore,
  ProducerStateManager,
  isNextSequence,
  type ProducerStateConfig,
} from '../../../../src/broker/producer-state/index.js';
import { iterateBatches, sequenceAt, type BatchHeader } from '../../../../src/log/batch/index.js';
import type { PartitionLog } from '../../../../src/log/index.js';
import { NOW_MS, PARTITION_DIR, expectBrokerError, leaderProduce, openReplica, type Replica } from './fixtures.js';

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i * 7919);
const STEPS = 250;

interface AckedBatch {
  epoch: number;
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
}

/** What an idempotent client knows about its own batches on this partition. */
interface Client {
  producerId: number;
  epoch: number;
  nextSequence: number;
  /** Its batches still in the log, in log order. */
  acked: AckedBatch[];
}

function currentEpochBatches(client: Client): AckedBatch[] {
  return client.acked.filter((b) => b.epoch === client.epoch);
}

/** After the log lost its tail, the client's batches beyond it are gone and its sequence resumes after what survived. */
function forgetBeyond(clients: readonly Client[], logEnd: number): void {
  for (const client of clients) {
    const sentInEpoch = currentEpochBatches(client).length > 0;
    client.acked = client.acked.filter((b) => b.lastOffset < logEnd);
    const surviving = currentEpochBatches(client);
    if (surviving.length > 0) client.nextSequence = sequenceAt(surviving[surviving.length - 1]!.lastSequence, 1);
    else if (sentInEpoch) client.nextSequence = 0;
  }
}

function fullReplay(log: PartitionLog): ReturnType<ProducerStateManager['entries']> {
  const manager = new ProducerStateManager();
  manager.rebuild(log, NOW_MS);
  return manager.entries();
}

function allHeaders(log: PartitionLog): BatchHeader[] {
  const headers: BatchHeader[] = [];
  for (let offset = log.logStartOffset(); offset < log.logEndOffset(); ) {
    const chunk = log.read(offset, 4096);
    for (const { header } of iterateBatches(chunk.records)) headers.push(header);
    offset = chunk.nextOffset;
  }
  return headers;
}

/** No producer has two batches with one sequence, nor a gap, within an epoch. */
function expectNoDuplicatesOrGaps(log: PartitionLog): void {
  const last = new Map<string, number>();
  for (const header of allHeaders(log)) {
    if (header.producerId < 0) continue;
    const key = `${header.producerId}/${header.producerEpoch}`;
    const previous = last.get(key);
    if (previous !== undefined) expect(isNextSequence(previous, header.baseSequence), `${key} at offset ${header.baseOffset}`).toBe(true);
    last.set(key, sequenceAt(header.baseSequence, header.lastOffsetDelta));
  }
}

type Action = 'send' | 'retry' | 'retryTooOld' | 'gap' | 'fencedEpoch' | 'bumpEpoch' | 'plain' | 'truncate' | 'flush' | 'restart' | 'crash';

const ACTION_WEIGHTS: ReadonlyArray<readonly [Action, number]> = [
  ['send', 40],
  ['retry', 15],
  ['retryTooOld', 5],
  ['gap', 5],
  ['fencedEpoch', 5],
  ['bumpEpoch', 3],
  ['plain', 10],
  ['truncate', 6],
  ['flush', 6],
  ['restart', 3],
  ['crash', 2],
];
const TOTAL_WEIGHT = ACTION_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

function pickAction(random: SeededRandom): Action {
  let roll = random.int(0, TOTAL_WEIGHT - 1);
  for (const [action, weight] of ACTION_WEIGHTS) {
    if (roll < weight) return action;
    roll -= weight;
  }
  throw new Error('unreachable: weights cover every roll');
}

describe('producer state: snapshot plus replay equals full replay, through truncations and crashes', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    const random = new SeededRandom(seed);
    const stateConfig: Partial<ProducerStateConfig> = {
      snapshotIntervalBytes: random.int(300, 2000),
      snapshotsRetained: random.int(1, 3),
      replayChunkBytes: random.int(200, 1500),
    };
    const logConfig = { segmentBytes: random.int(1024, 4096) };
    let replica: Replica = openReplica({ stateConfig, logConfig });
    const clients: Client[] = [1, 2, 3, 4].map((producerId) => ({
      producerId,
      epoch: 0,
      nextSequence: 0,
      acked: [],
    }));
    let reloadsFromSnapshot = 0;

    const send = (client: Client, count: number): void => {
      const spec = { producerId: client.producerId, producerEpoch: client.epoch, baseSequence: client.nextSequence, count };
      const result = leaderProduce(replica, spec);
      expect(result.kind).toBe('append');
      const lastSequence = sequenceAt(client.nextSequence, count - 1);
      client.acked.push({ epoch: client.epoch, firstSequence: client.nextSequence, lastSequence, firstOffset: result.firstOffset, lastOffset: result.lastOffset });
      client.nextSequence = sequenceAt(lastSequence, 1);
    };

    const reopen = (): void => {
      replica = openReplica({ storage: replica.storage, clock: replica.clock, stateConfig, logConfig });
    };

    // Producer 3 starts near the top of the sequence space (a producer the partition does not know
    // may start anywhere): its second batch wraps from 2^31-1 to 0, and later steps retry it.
    clients[2]!.nextSequence = MAX_SEQUENCE - 6;
    send(clients[2]!, 4);
    send(clients[2]!, 4);
    expect(clients[2]!.acked.map((b) => [b.firstSequence, b.lastSequence])).toEqual([
      [MAX_SEQUENCE - 6, MAX_SEQUENCE - 3],
      [MAX_SEQUENCE - 2, 0],
    ]);

    for (let step = 0; step < STEPS; step++) {
      const client = random.pick(clients);
      const cached = currentEpochBatches(client).slice(-5);
      const older = currentEpochBatches(client).slice(0, -5);
      const { producerId, epoch } = client;

      switch (pickAction(random)) {
        case 'send':
          send(client, random.int(1, 4));
          break;
        case 'retry': {
          if (cached.length === 0) break;
          const batch = random.pick(cached);
          const count = batch.lastOffset - batch.firstOffset + 1;
          const retry = leaderProduce(replica, { producerId, producerEpoch: epoch, baseSequence: batch.firstSequence, count });
          expect(retry).toEqual({ kind: 'duplicate', firstOffset: batch.firstOffset, lastOffset: batch.lastOffset });
          break;
        }
        case 'retryTooOld': {
          if (older.length === 0) break;
          const batch = random.pick(older);
          const count = batch.lastOffset - batch.firstOffset + 1;
          expectBrokerError(() => leaderProduce(replica, { producerId, producerEpoch: epoch, baseSequence: batch.firstSequence, count }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
          break;
        }
        case 'gap': {
          if (cached.length === 0) break;
          const gapped = sequenceAt(client.nextSequence, random.int(1, 3));
          expectBrokerError(() => leaderProduce(replica, { producerId, producerEpoch: epoch, baseSequence: gapped }), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
          break;
        }
        case 'fencedEpoch':
          if (cached.length === 0 || epoch === 0) break;
          expectBrokerError(() => leaderProduce(replica, { producerId, producerEpoch: epoch - 1, baseSequence: 0 }), 'INVALID_PRODUCER_EPOCH');
          break;
        case 'bumpEpoch':
          client.epoch++;
          client.nextSequence = 0;
          break;
        case 'plain':
          leaderProduce(replica, { producerId: -1, producerEpoch: -1, baseSequence: -1, count: random.int(1, 3) });
          break;
        case 'truncate': {
          const logEnd = replica.log.logEndOffset();
          replica.log.truncateTo(random.int(Math.max(replica.log.logStartOffset(), logEnd - 15), logEnd));
          replica.guard.afterTruncate();
          forgetBeyond(clients, replica.log.logEndOffset());
          break;
        }
        case 'flush':
          replica.log.flush();
          break;
        case 'restart': {
          const before = replica.guard.state.entries();
          if (random.chance(0.5)) replica.guard.close();
          replica.log.close();
          reopen();
          expect(replica.guard.state.entries()).toEqual(before);
          break;
        }
        case 'crash':
          replica.storage.crash({ random: random.fork() });
          reopen();
          forgetBeyond(clients, replica.log.logEndOffset());
          break;
      }

      expect(replica.guard.state.mapEndOffset()).toBe(replica.log.logEndOffset());
      if (step % 3 === 0 || step === STEPS - 1) expect(replica.guard.state.entries()).toEqual(fullReplay(replica.log));
      if (step % 10 === 0) {
        const reloaded = new ProducerStateManager({ config: stateConfig, snapshots: new ProducerSnapshotStore(replica.storage, PARTITION_DIR) });
        const report = reloaded.rebuild(replica.log, NOW_MS);
        expect(reloaded.entries()).toEqual(replica.guard.state.entries());
        if (report.snapshotOffset !== undefined && report.snapshotOffset > 0) reloadsFromSnapshot++;
      }
    }

    expectNoDuplicatesOrGaps(replica.log);
    expect(reloadsFromSnapshot, 'reloads that started from a snapshot').toBeGreaterThan(3);
  });
});
