/**
 * `peak-shaving`: producers burst at 5,000 messages/s into a topic; a consumer that can handle only
 * 2,000/s drains it at its own pace. The log absorbs the peak as lag, which grows during the burst
 * and drains to zero after it; the store behind the consumer never sees more than it can take.
 */
import { createClient, type BrokerlabClient, type Consumer } from '../client/index.js';
import { renderChart } from './ascii-chart.js';
import { peakPerSecond, ratePerStep } from './rate-meter.js';
import { claim, verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { sleep } from './support/wait.js';

export interface PeakShavingResult extends ScenarioResult {
  readonly messages: number;
  /** Highest count acknowledged to the producers in any one-second window. */
  readonly peakProduceRate: number;
  /** Highest count written to the store in any one-second window. */
  readonly peakStoreRate: number;
  readonly capacityPerSecond: number;
  readonly maxLag: number;
  readonly finalLag: number;
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
const VALUE_PADDING = 'x'.repeat(80);

interface Event {
  atMs: number;
  count: number;
}

export const peakShavingScenario: Scenario<PeakShavingResult> = {
  name: 'peak-shaving',
  summary: `producers burst ${BURST_RATE}/s; a consumer that handles ${CAPACITY_PER_SECOND}/s drains the backlog, and its store never sees more`,
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
      const startMs = performance.now();
      const acked: Event[] = [];
      const stored: Event[] = [];
      const producing = burst(client, topic, startMs, burstMs, acked);
      const messages = Math.round((BURST_RATE * burstMs) / 1000);
      const drainDeadline = startMs + burstMs + (messages * 1000) / CAPACITY_PER_SECOND + WAIT_MS;
      await drainAtCapacity(consumer, messages, stored, drainDeadline);
      const sent = await producing;
      const drainedAfterMs = performance.now() - startMs;

      const steps = Math.ceil(drainedAfterMs / stepMs);
      const produceRates = ratePerStep(acked, startMs, stepMs, steps);
      const consumeRates = ratePerStep(stored, startMs, stepMs, steps);
      const lags = lagPerStep(acked, stored, startMs, stepMs, steps);
      for (const line of renderChart((i) => `${((i + 1) * stepMs / 1000).toFixed(1)}s`, [
        { label: 'produced/s', values: produceRates },
        { label: 'stored/s', values: consumeRates },
        { label: 'lag (messages)', values: lags },
      ])) print(line);

      const total = (events: Event[]) => events.reduce((n, e) => n + e.count, 0);
      const peakProduceRate = peakPerSecond(acked);
      const peakStoreRate = peakPerSecond(stored);
      const maxLag = Math.max(0, ...lags);
      const finalLag = total(acked) - total(stored);
      print();
      print(`sent ${sent}, acknowledged ${total(acked)}, stored ${total(stored)} after ${(drainedAfterMs / 1000).toFixed(1)} s`);
      print(`peak produce rate ${peakProduceRate}/s; peak rate the store saw ${peakStoreRate}/s (capacity ${CAPACITY_PER_SECOND}/s)`);
      print(`the backlog peaked at ${maxLag} messages and drained to ${finalLag}`);
      print('why: the topic takes writes as fast as producers send and keeps them; the consumer pulls only as fast as it can');
      print('process, so a burst becomes lag (a queue on disk) instead of overload downstream, and is worked off after the peak.');
      return {
        ...verdict([
          claim(`the burst exceeded the consumer's capacity (peak ${peakProduceRate}/s > ${CAPACITY_PER_SECOND}/s)`, peakProduceRate > CAPACITY_PER_SECOND),
          claim(`the store never saw more than ${CAPACITY_PER_SECOND}/s (peak ${peakStoreRate}/s)`, peakStoreRate <= CAPACITY_PER_SECOND),
          claim(`lag grew during the burst (to ${maxLag}) and drained to 0 (${finalLag})`, maxLag > CAPACITY_PER_SECOND / 2 && finalLag === 0 && total(stored) === sent),
        ]),
        messages: sent,
        peakProduceRate,
        peakStoreRate,
        capacityPerSecond: CAPACITY_PER_SECOND,
        maxLag,
        finalLag,
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

/** Sends BURST_RATE messages per second for `burstMs`; records each acknowledgement. Resolves with the count sent once all are settled. */
async function burst(client: BrokerlabClient, topic: string, startMs: number, burstMs: number, acked: Event[]): Promise<number> {
  const producer = client.producer({ deliveryTimeoutMs: 60_000 });
  const perTick = (BURST_RATE * SEND_TICK_MS) / 1000;
  const sends: Promise<void>[] = [];
  let sent = 0;
  for (let tick = 0; tick * SEND_TICK_MS < burstMs; tick++) {
    const dueMs = startMs + tick * SEND_TICK_MS;
    if (dueMs > performance.now()) await sleep(dueMs - performance.now());
    const messages = Array.from({ length: perTick }, (_, i) => ({ value: `order-${sent + i}-${VALUE_PADDING}` }));
    sent += perTick;
    sends.push(producer.send({ topic, messages }).then(() => void acked.push({ atMs: performance.now(), count: messages.length }), () => undefined));
  }
  await Promise.all(sends);
  return sent;
}

/**
 * Polls and writes to the store in slots: at most one slot's worth per SLOT_MS, never two slots
 * closer than SLOT_MS, so no one-second window holds more than CAPACITY_PER_SECOND writes.
 */
async function drainAtCapacity(consumer: Consumer, messages: number, stored: Event[], deadlineMs: number): Promise<void> {
  const perSlot = (CAPACITY_PER_SECOND * SLOT_MS) / 1000;
  let storedCount = 0;
  let lastSlotMs = -Infinity;
  try {
    while (storedCount < messages && performance.now() < deadlineMs) {
      const records = await consumer.poll();
      for (let i = 0; i < records.length; i += perSlot) {
        const slotMs = Math.max(lastSlotMs + SLOT_MS, performance.now());
        if (slotMs > performance.now()) await sleep(slotMs - performance.now());
        lastSlotMs = Math.max(slotMs, performance.now());
        const count = Math.min(perSlot, records.length - i);
        stored.push({ atMs: lastSlotMs, count });
        storedCount += count;
      }
    }
  } finally {
    await consumer.close({ timeoutMs: 1_000 });
  }
}

/** Messages acknowledged but not yet stored, at the end of each step. */
function lagPerStep(acked: readonly Event[], stored: readonly Event[], startMs: number, stepMs: number, steps: number): number[] {
  const upTo = (events: readonly Event[], endMs: number) => events.filter((e) => e.atMs < endMs).reduce((n, e) => n + e.count, 0);
  return Array.from({ length: steps }, (_, i) => {
    const endMs = startMs + (i + 1) * stepMs;
    return Math.max(0, upTo(acked, endMs) - upTo(stored, endMs));
  });
}
