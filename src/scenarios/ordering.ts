/**
 * `ordering`: what keeps order and what breaks it.
 *
 * Keyed events (entity = key) are produced in a steady stream while the leader of one partition is
 * killed: the idempotent producer retries against the new leader, and each key's events still sit
 * in the log in the order they were produced. Then what breaks order: the same events sent without
 * a key go round-robin over the partitions and a consumer reading them all receives an entity's
 * events out of order; and a consumer that hands records to a shared pool of workers finishes them
 * out of order although it received them in order. The fixes: same key, same partition; and one
 * worker per partition or per key.
 *
 * The first two parts run on the cluster. The worker-pool part is a model (worker-pools.ts): the
 * keyed records read back from the cluster are "processed" on virtual clocks with work times from
 * a seeded generator, so it is repeatable, and the output says so.
 */
import { createClient, type BrokerlabClient, type ConsumedRecord, type Producer } from '../client/index.js';
import { checkEntityOrder, checkGlobalOrder, eventValue, parseEvent, type OrderReport } from './ordering-checks.js';
import { verdict, type Scenario, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { FAULT_CLUSTER } from './support/clusters.js';
import { Faults } from './support/faults.js';
import { readTopic, text } from './support/read-back.js';
import { sleep, within } from './support/wait.js';
import { judgeOrdering } from './verdicts.js';
import { processInParallel, type Routing } from './worker-pools.js';

export interface OrderingResult extends ScenarioResult {
  /** Keyed events in the log after a leader failover. */
  readonly keyed: OrderReport & { readonly sent: number; readonly acknowledged: number; readonly missing: number };
  /** The same kind of events sent without a key, in the order one consumer received them. */
  readonly keyless: OrderReport & { readonly globalViolations: number };
  /** Per-key order of keyed records in the order workers finished them. */
  readonly workers: Readonly<Record<Routing, OrderReport>>;
}

const WAIT_MS = 30_000;
const PARTITIONS = 3;
const WORKERS = 8;
const MAX_WORK_MS = 10;
/** The worker-pool model's seed: the same seed, the same work times and finishing order. */
const WORK_SEED = 20_240_601;

export const orderingScenario: Scenario<OrderingResult> = {
  name: 'ordering',
  summary: 'per-key order survives retries and a leader failover; keyless round-robin breaks it, and (in a seeded model) so does a shared worker pool; one partition and one worker per key fix it',
  cluster: FAULT_CLUSTER,
  async run(context) {
    const small = context.scale === 'small';
    // Not a multiple of the partition count: round-robin would then send every event of an entity
    // to the same partition by coincidence, and keyless order would look kept.
    const entities = small ? 10 : 40;
    const keyed = await keyedThroughFailover(context, entities, small ? 3_000 : 8_000);
    const keyless = await keylessRoundRobin(context, entities, small ? 300 : 1_500);
    // Enough records for the workers to show the effect, few enough to finish in seconds.
    const workers = parallelConsumers(context, keyed.records.slice(0, small ? 300 : 1_200));
    context.print();
    context.print(`per-key order violations: keyed through a failover ${keyed.report.violations}, keyless round-robin ${keyless.violations}, ` +
      `shared worker pool (model) ${workers['shared-pool'].violations}, worker per partition ${workers['worker-per-partition'].violations}, worker per key ${workers['worker-per-key'].violations}`);
    return {
      ...verdict(
        judgeOrdering({
          keyed: { ...keyed.report, sent: keyed.sent, acknowledged: keyed.acknowledged, missing: keyed.missing },
          keyless,
          sharedPool: workers['shared-pool'],
          workerPerPartition: workers['worker-per-partition'],
          workerPerKey: workers['worker-per-key'],
        }),
      ),
      keyed: { ...keyed.report, sent: keyed.sent, acknowledged: keyed.acknowledged, missing: keyed.missing },
      keyless,
      workers,
    };
  },
};

async function keyedThroughFailover(context: ScenarioContext, entities: number, durationMs: number) {
  const { cluster, print } = context;
  const topic = context.topicName('order-keyed');
  print();
  print(`--- keyed events (${entities} keys) on ${topic}, ${PARTITIONS} partitions; the leader of partition 0 is killed mid-run`);
  await cluster.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3, minInsync: 2, timeoutMs: WAIT_MS });
  const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 3_000 });
  const faults = new Faults(cluster, print);
  try {
    const producer = client.producer({ deliveryTimeoutMs: 60_000 });
    const leader = await cluster.leaderOf(topic, 0);
    const killing = sleep(durationMs / 3).then(async () => {
      await faults.kill(leader);
      print(`killed node ${leader}, the leader of partition 0, while the producer kept sending`);
    });
    const sends = await sendStream(producer, topic, entities, durationMs);
    await killing;
    const acknowledged = (await within(Promise.all(sends.outcomes), 65_000, [])).filter(Boolean).length;
    const newLeader = await cluster.waitForLeader(topic, 0, { not: leader, timeoutMs: WAIT_MS });
    print(`sent ${sends.values.length} events, ${acknowledged} acknowledged; node ${newLeader} leads partition 0 now`);
    await faults.start(leader);
    const read = await readTopic(client, topic, WAIT_MS);
    // A key's events all live in one partition: its log order is the order any consumer sees.
    const inLog = [...read.partitions.values()].flatMap((records) => records.map((r) => parseEvent(text(r.value))));
    const report = checkEntityOrder(inLog);
    const present = new Set(read.records.map((r) => text(r.value)));
    const missing = sends.values.filter((v, i) => sends.acknowledged[i] && !present.has(v)).length;
    print(`read back ${read.records.length} events: ${report.violations} out of order for their key, ${report.duplicates} duplicates, ${missing} acknowledged but missing`);
    print('why: a key always maps to the same partition, a partition is one ordered log, and the idempotent producer retries');
    print('a partition\'s batches in order (the broker refuses a batch whose sequence number skips ahead).');
    return { report, sent: sends.values.length, acknowledged, missing, records: read.records };
  } finally {
    await faults.undoAll();
    await client.close({ timeoutMs: 2_000 });
  }
}

async function keylessRoundRobin(context: ScenarioContext, entities: number, count: number) {
  const { cluster, print } = context;
  const topic = context.topicName('order-keyless');
  print();
  print(`--- the same kind of events without a key on ${topic}: round-robin over ${PARTITIONS} partitions`);
  await cluster.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3, timeoutMs: WAIT_MS });
  const client = createClient({ bootstrapServers: cluster.bootstrapServers });
  try {
    const producer = client.producer();
    // One send per event, awaited: the events are written in exactly this order, one by one.
    const values: string[] = [];
    for (let i = 0; i < count; i++) {
      const value = eventValue(`entity-${i % entities}`, Math.floor(i / entities));
      values.push(value);
      await producer.send({ topic, messages: [{ value }] });
    }
    const received = await receiveAll(client, topic, count);
    const events = received.map((r) => parseEvent(text(r.value)));
    const report = checkEntityOrder(events);
    const globalViolations = checkGlobalOrder(received.map((r) => values.indexOf(text(r.value))));
    print(`sent ${count} events one at a time; a consumer of all partitions received ${report.violations} of them after a later event of the same entity`);
    print(`(and ${globalViolations} after an event sent later by anyone: there is no order across partitions, only within one)`);
    return { ...report, globalViolations };
  } finally {
    await client.close({ timeoutMs: 2_000 });
  }
}

function parallelConsumers(context: ScenarioContext, records: readonly ConsumedRecord[]): Record<Routing, OrderReport> {
  const { print } = context;
  print();
  print(`--- a model, not the cluster: the ${records.length} keyed events read back above, processed in this process by workers on`);
  print(`    virtual clocks, each record taking 0-${MAX_WORK_MS} ms drawn from a seeded generator (seed ${WORK_SEED}: the same run every time)`);
  const routings: Routing[] = ['shared-pool', 'worker-per-partition', 'worker-per-key'];
  const result = {} as Record<Routing, OrderReport>;
  for (const routing of routings) {
    const workers = routing === 'worker-per-partition' ? PARTITIONS : WORKERS;
    const finished = processInParallel(records, workers, routing, MAX_WORK_MS, WORK_SEED);
    result[routing] = checkEntityOrder(finished.map((r) => parseEvent(text(r.value))));
    print(`${routing.padEnd(20)} (${workers} workers): ${result[routing].violations} of ${records.length} finished after a later event of their key`);
  }
  print('why: a shared pool lets a quick record overtake a slow one of the same key. Giving each partition, or each key');
  print('(hashed over the workers), to one worker that works in order keeps per-key order with parallelism intact.');
  return result;
}

/**
 * Sends a steady stream of keyed events (entity i % entities, seq counting up per entity) for
 * `durationMs`, every send on its own, without waiting for answers, so many are in flight when the
 * leader dies.
 */
async function sendStream(producer: Producer, topic: string, entities: number, durationMs: number) {
  const values: string[] = [];
  const acknowledged: boolean[] = [];
  const outcomes: Promise<boolean>[] = [];
  const startedAt = performance.now();
  for (let i = 0; performance.now() - startedAt < durationMs; i++) {
    const entity = `entity-${i % entities}`;
    const value = eventValue(entity, Math.floor(i / entities));
    const index = values.push(value) - 1;
    acknowledged.push(false);
    outcomes.push(producer.send({ topic, messages: [{ key: entity, value }] }).then(() => (acknowledged[index] = true), () => false));
    if (i % entities === entities - 1) await sleep(20);
  }
  return { values, acknowledged, outcomes };
}

/** What one consumer of every partition receives, in the order poll returned it. */
async function receiveAll(client: BrokerlabClient, topic: string, count: number): Promise<ConsumedRecord[]> {
  const consumer = client.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 100 });
  try {
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })));
    const received: ConsumedRecord[] = [];
    const deadline = performance.now() + WAIT_MS;
    while (received.length < count && performance.now() < deadline) received.push(...(await consumer.poll({ maxWaitMs: 250 })));
    if (received.length < count) throw new Error(`received only ${received.length} of ${count} events within ${WAIT_MS} ms`);
    return received;
  } finally {
    await consumer.close({ timeoutMs: 1_000 });
  }
}
