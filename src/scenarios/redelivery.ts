/**
 * The consumer half of `duplicates`: a group member that commits after processing crashes between
 * processing a poll and committing it; the member that takes over starts at the last commit and
 * receives those records again (at-least-once). A consumer that applies every record charges those
 * payments twice; one that records each payment id together with its effect, and skips ids it has
 * seen, applies each payment once. Each consumer writes its charges to a store of its own, and the
 * verdict counts the rows per payment id there.
 */
import { createClient, type ConsumedRecord, type Consumer } from '../client/index.js';
import type { ScenarioContext } from './scenario.js';
import { text } from './support/read-back.js';
import type { ChargeRow, RedeliveryMeasurements } from './verdicts.js';

export interface RedeliveryRun {
  readonly payments: number;
  /** Records handed to the processing code, redeliveries included. */
  readonly processed: number;
  /** Distinct payments processed. */
  readonly unique: number;
  /** Rows in the store of a consumer that applies every record it processes. */
  readonly naiveEffects: number;
  /** Rows in the store of a consumer that skips payment ids already in its store. */
  readonly idempotentEffects: number;
  /** What the verdict is judged from: every delivery and each store's rows. */
  readonly measured: RedeliveryMeasurements;
}

const WAIT_MS = 30_000;
const AMOUNT_CENTS = 1_000;

/**
 * A consumer's store of charges, as a table: one row per charge, naming the payment and the record
 * that caused it. The idempotent consumer inserts with a uniqueness check on the payment id (in a
 * database: a unique key, in the same transaction as the effect); the naive one just inserts.
 */
class ChargeStore {
  readonly rows: ChargeRow[] = [];
  private readonly paymentIds = new Set<string>();

  insert(row: ChargeRow): void {
    this.rows.push(row);
    this.paymentIds.add(row.paymentId);
  }

  /** Inserts unless a row for the same payment id exists; returns whether it inserted. */
  insertUnlessPresent(row: ChargeRow): boolean {
    if (this.paymentIds.has(row.paymentId)) return false;
    this.insert(row);
    return true;
  }
}

/** The two ways of applying a payment, fed the same records, each writing its own store. */
class Payments {
  readonly deliveries: ChargeRow[] = [];
  readonly naive = new ChargeStore();
  readonly idempotent = new ChargeStore();
  private readonly distinct = new Set<string>();

  process(record: ConsumedRecord): void {
    const row: ChargeRow = { paymentId: text(record.key), partition: record.partition, offset: record.offset };
    this.deliveries.push(row);
    this.distinct.add(row.paymentId);
    this.naive.insert(row);
    this.idempotent.insertUnlessPresent(row);
  }

  get processed(): number {
    return this.deliveries.length;
  }

  get unique(): number {
    return this.distinct.size;
  }
}

export async function crashBeforeCommit(context: ScenarioContext): Promise<RedeliveryRun> {
  const { cluster, print } = context;
  const payments = context.scale === 'small' ? 40 : 200;
  const perPoll = context.scale === 'small' ? 10 : 50;
  const topic = context.topicName('dup-payments');
  const groupId = context.topicName('billing');
  print();
  print(`--- consumer group ${groupId} on ${topic}: commit after processing, crash before one commit`);
  await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3, timeoutMs: WAIT_MS });
  const client = createClient({ bootstrapServers: cluster.bootstrapServers });
  try {
    const producer = client.producer();
    const paymentIds = Array.from({ length: payments }, (_, i) => `payment-${i}`);
    await producer.send({ topic, messages: paymentIds.map((key) => ({ key, value: `${AMOUNT_CENTS}` })) });
    print(`produced ${payments} payments, keyed by payment id`);
    const ledger = new Payments();
    const member = () =>
      client.consumer({ groupId, autoOffsetReset: 'earliest', maxPollRecords: perPoll, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 });

    const first = member();
    first.subscribe([topic]);
    for (const r of await pollSome(first)) ledger.process(r);
    await first.commit();
    const committed = ledger.processed;
    for (const r of await pollSome(first)) ledger.process(r);
    const uncommitted = ledger.processed - committed;
    // The crash: the process is gone before its commit. (close() leaves the group at once, so the
    // next member need not wait out the session; autoCommit is off, so it commits nothing.)
    await first.close({ timeoutMs: 5_000 });
    print(`consumer 1 processed ${committed} records and committed, processed ${uncommitted} more, and crashed before committing them`);

    const second = member();
    second.subscribe([topic]);
    const before = ledger.processed;
    await drain(second, ledger, payments);
    await second.close({ timeoutMs: 5_000 });
    const again = ledger.processed - before - (payments - committed - uncommitted);
    print(`consumer 2 took over from the last commit and processed ${ledger.processed - before} records: ${again} of them consumer 1 had processed already`);

    const measured: RedeliveryMeasurements = { payments: paymentIds, deliveries: ledger.deliveries, naiveStore: ledger.naive.rows, idempotentStore: ledger.idempotent.rows };
    const run: RedeliveryRun = {
      payments,
      processed: ledger.processed,
      unique: ledger.unique,
      naiveEffects: ledger.naive.rows.length,
      idempotentEffects: ledger.idempotent.rows.length,
      measured,
    };
    const money = (charges: number) => ((charges * AMOUNT_CENTS) / 100).toFixed(2);
    print(`processed ${run.processed} records for ${run.unique} payments:`);
    print(`  a consumer applying every record wrote ${run.naiveEffects} charges to its store (${money(run.naiveEffects)})`);
    print(`  the idempotent consumer, skipping payment ids already in its store, wrote ${run.idempotentEffects} (${money(run.idempotentEffects)})`);
    print('why: committing after processing gives at-least-once delivery, so a crash between the two repeats work.');
    print('Make the effect idempotent: store the business key with the effect (in the same transaction) and skip keys already there.');
    return run;
  } finally {
    await client.close({ timeoutMs: 5_000 });
  }
}

/** The next records of a group member, waiting (bounded) for the group to form and data to arrive. */
async function pollSome(consumer: Consumer): Promise<ConsumedRecord[]> {
  const deadline = performance.now() + WAIT_MS;
  while (performance.now() < deadline) {
    const records = await consumer.poll({ maxWaitMs: 500 });
    if (records.length > 0) return records;
  }
  throw new Error(`no records within ${WAIT_MS} ms`);
}

/** Processes and commits poll after poll until every payment has been seen (bounded). */
async function drain(consumer: Consumer, ledger: Payments, payments: number): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (ledger.unique < payments) {
    if (performance.now() > deadline) throw new Error(`only ${ledger.unique} of ${payments} payments arrived within ${WAIT_MS} ms`);
    const records = await consumer.poll({ maxWaitMs: 500 });
    for (const r of records) ledger.process(r);
    if (records.length > 0) await consumer.commit();
  }
}
