/**
 * `peak-shaving`: producers burst at 5,000 messages/s into a topic; a consumer whose store can take
 * only 2,000/s drains it at its own pace. The point, measured: the producers are never refused or
 * held to the consumer's pace (every batch acknowledged, the whole burst well before the consumer
 * could have stored it), the consumer lag read from the log
 * rises during the burst and drains to zero after it, and the store ends up with every message
 * exactly once. (That the store never sees more than 2,000/s is the consumer's own throttle, so
 * it is printed, not judged.)
 */
import { createClient, type BrokerlabClient, type Consumer } from '../client/index.js';
import { renderChart } from './ascii-chart.js';
import { peakPerSecond, ratePerStep } from './rate-meter.js';
import { verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { text } from './support/read-back.js';
import { sleep } from './support/wait.js';
import { judgePeakShaving, type BurstBatch } from './verdicts.js';

export interface PeakShavingResult extends ScenarioResult {
  readonly messages: number;
  /** Highest count acknowledged to the producers in any one-second window. */
  readonly peakProduceRate: number;
  /** Highest count written to the store in any one-second window. */
  readonly peakStoreRate: number;
  readonly capacityPerSecond: number;
  /** Batches the cluster refused or never acknowledged. */
  readonly failedBatches: number;
  /** The longest a batch waited for its acknowledgement. */
  readonly slowestAckMs: number;
  /** Consumer lag read from the log (high watermarks minus records stored): its highest sample and its last. */
  readonly maxLag: number;
  readonly finalLag: number;
  /** Messages the store holds exactly once, more than once, and not at all. */
  readonly storedOnce: number;
  readonly duplicates: number;
  readonly missing: number;
  /** From the first send until the consumer had stored every message. */
  readonly drainedAfterMs: number;
}

const WAIT_MS = 30_000;
const PARTITIONS = 3;
const BURST_RATE = 5_000;
const CAPACITY_PER_SECOND = 2_000;
/** The producers send a batch of messages every SEND_TICK_MS. */
const SEND_TICK_MS = 20;
/** The consumer writes at most CAPACITY_PER_SECOND * SLOT_MS / 1000 messages per slot, slots SLOT_MS apart. */
const SLOT_MS = 50;
/** How often the lag is read from the log. */
const LAG_SAMPLE_MS = 200;
const VALUE_PADDING = 'x'.repeat(80);

interface Event {
  atMs: number;
  count: number;
}

/** The consumer's downstream store: how many times it holds each message, and when it wrote them. */
class Store {
  readonly copies = new Map<string, number>();
  readonly writes: Event[] = [];
  size = 0;

  write(values: readonly string[], atMs: number): void {
    for (const v of values) this.copies.set(v, (this.copies.get(v) ?? 0) + 1);
    this.size += values.length;
    this.writes.push({ atMs, count: values.length });
  }
}

export const peakShavingScenario: Scenario<PeakShavingResult> = {
  name: 'peak-shaving',
  summary: `producers burst ${BURST_RATE}/s without being refused or held to the consumer's pace; the backlog becomes lag that a consumer handling ${CAPACITY_PER_SECOND}/s drains, storing everything once`,
  cluster: PLAIN_CLUSTER,
  async run(context) {
    const { cluster, print } = context;
    const small = context.scale === 'small';
    const burstMs = small ? 2_000 : 10_000;
    const stepMs = small ? 500 : 1_000;
    const topic = context.topicName('peak-orders');
    await cluster.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3, timeoutMs: WAIT_MS });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers });
    try {
      print();
      print(`--- ${BURST_RATE} messages/s for ${burstMs / 1000} s into ${topic}; the consumer's store takes ${CAPACITY_PER_SECOND}/s`);
      const consumer = await consumerAtStart(client, topic);
      const store = new Store();
      const startMs = performance.now();
      const batches: BurstBatch[] = [];
      const sentValues: string[] = [];
      const producing = burst(client, topic, startMs, burstMs, batches, sentValues);
      const lagSampler = sampleLag(client, topic, store);
      const messages = Math.round((BURST_RATE * burstMs) / 1000);
      const drainDeadline = startMs + burstMs + (messages * 1000) / CAPACITY_PER_SECOND + WAIT_MS;
      await drainAtCapacity(consumer, messages, store, drainDeadline);
      await producing;
      const drainedAfterMs = performance.now() - startMs;
      const lagSamples = await lagSampler.stop();

      const judged = judgePeakShaving({ capacityPerSecond: CAPACITY_PER_SECOND, batches, lagSamples, sentValues, stored: store.copies });
      const acked = batches.filter((b) => b.ackedAtMs !== undefined).map((b) => ({ atMs: b.ackedAtMs!, count: b.count })).sort((a, b) => a.atMs - b.atMs);
      const steps = Math.ceil(drainedAfterMs / stepMs);
      const produceRates = ratePerStep(acked, startMs, stepMs, steps);
      const storeRates = ratePerStep(store.writes, startMs, stepMs, steps);
      const lags = Array.from({ length: steps }, (_, i) => lagAt(lagSamples, startMs + (i + 1) * stepMs));
      for (const line of renderChart((i) => `${((i + 1) * stepMs / 1000).toFixed(1)}s`, [
        { label: 'produced/s', values: produceRates },
        { label: 'stored/s', values: storeRates },
        { label: 'lag (messages)', values: lags },
      ])) print(line);

      const peakStoreRate = peakPerSecond(store.writes);
      print();
      print(`sent ${sentValues.length} in ${batches.length} batches: ${batches.length - judged.failedBatches} acknowledged, the slowest after ${judged.slowestAckMs.toFixed(0)} ms`);
      print(`peak produce rate ${judged.peakProduceRate}/s; the store took at most ${peakStoreRate}/s (its consumer's own limit: ${CAPACITY_PER_SECOND}/s)`);
      print(`lag read from the log every ${LAG_SAMPLE_MS} ms: peaked at ${judged.maxLag} messages, ${judged.finalLag} once the consumer was done`);
      print(`the store holds ${judged.storedOnce} messages once, ${judged.duplicates} more than once, ${judged.missing} not at all; drained after ${(drainedAfterMs / 1000).toFixed(1)} s`);
      print('why: the topic takes writes as fast as producers send and keeps them; the consumer pulls only as fast as it can');
      print('process, so a burst becomes lag (a queue on disk) instead of overload downstream, and is worked off after the peak.');
      return {
        ...verdict(judged.checks),
        messages: sentValues.length,
        peakProduceRate: judged.peakProduceRate,
        peakStoreRate,
        capacityPerSecond: CAPACITY_PER_SECOND,
        failedBatches: judged.failedBatches,
        slowestAckMs: judged.slowestAckMs,
        maxLag: judged.maxLag,
        finalLag: judged.finalLag,
        storedOnce: judged.storedOnce,
        duplicates: judged.duplicates,
        missing: judged.missing,
        drainedAfterMs,
      };
    } finally {
      await client.close({ timeoutMs: 2_000 });
    }
  },
};

/** A consumer of every partition, positioned at the start before anything is produced. */
async function consumerAtStart(client: BrokerlabClient, topic: string): Promise<Consumer> {
  const consumer = client.consumer({ maxPollRecords: 1_000, maxWaitMs: 100 });
  const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
  consumer.assign(partitions.map((p) => ({ ...p, offset: 'earliest' as const })));
  for (const p of partitions) await consumer.position(p);
  return consumer;
}

/** Sends BURST_RATE messages per second for `burstMs`, recording every batch and its outcome. Resolves once all are settled. */
async function burst(client: BrokerlabClient, topic: string, startMs: number, burstMs: number, batches: BurstBatch[], sentValues: string[]): Promise<void> {
  const producer = client.producer({ deliveryTimeoutMs: 60_000 });
  const perTick = (BURST_RATE * SEND_TICK_MS) / 1000;
  const sends: Promise<void>[] = [];
  for (let tick = 0; tick * SEND_TICK_MS < burstMs; tick++) {
    const dueMs = startMs + tick * SEND_TICK_MS;
    if (dueMs > performance.now()) await sleep(dueMs - performance.now());
    const messages = Array.from({ length: perTick }, (_, i) => ({ value: `order-${sentValues.length + i}-${VALUE_PADDING}` }));
    for (const m of messages) sentValues.push(m.value);
    const sentAtMs = performance.now();
    sends.push(
      producer.send({ topic, messages }).then(
        () => void batches.push({ count: messages.length, sentAtMs, ackedAtMs: performance.now() }),
        (e: unknown) => void batches.push({ count: messages.length, sentAtMs, error: e instanceof Error ? e.message : String(e) }),
      ),
    );
  }
  await Promise.all(sends);
}

/** Reads the lag from the log every LAG_SAMPLE_MS: the sum of the high watermarks minus what the store holds. */
function sampleLag(client: BrokerlabClient, topic: string, store: Store): { stop(): Promise<{ atMs: number; lag: number }[]> } {
  const samples: { atMs: number; lag: number }[] = [];
  const admin = client.admin();
  const sample = async () => {
    // The store's count first: it only grows, so the lag is never understated.
    const stored = store.size;
    const ends = await admin.fetchTopicOffsets(topic);
    samples.push({ atMs: performance.now(), lag: ends.reduce((n, p) => n + p.latest, 0) - stored });
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample().catch(() => undefined);
      await sleep(LAG_SAMPLE_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      // The last sample, after the consumer is done: what is left in the log unstored.
      await sample();
      return samples;
    },
  };
}

/** The last lag sample taken before `atMs` (0 before the first). */
function lagAt(samples: readonly { atMs: number; lag: number }[], atMs: number): number {
  let lag = 0;
  for (const s of samples) if (s.atMs < atMs) lag = s.lag;
  return lag;
}

/**
 * Polls and writes to the store in slots: at most one slot's worth per SLOT_MS, never two slots
 * closer than SLOT_MS, so no one-second window holds more than CAPACITY_PER_SECOND writes.
 */
async function drainAtCapacity(consumer: Consumer, messages: number, store: Store, deadlineMs: number): Promise<void> {
  const perSlot = (CAPACITY_PER_SECOND * SLOT_MS) / 1000;
  let lastSlotMs = -Infinity;
  try {
    while (store.size < messages && performance.now() < deadlineMs) {
      const records = await consumer.poll();
      for (let i = 0; i < records.length; i += perSlot) {
        const slotMs = Math.max(lastSlotMs + SLOT_MS, performance.now());
        if (slotMs > performance.now()) await sleep(slotMs - performance.now());
        lastSlotMs = Math.max(slotMs, performance.now());
        store.write(records.slice(i, i + perSlot).map((r) => text(r.value)), lastSlotMs);
      }
    }
  } finally {
    await consumer.close({ timeoutMs: 1_000 });
  }
}
