/**
 * What many partitions cost: a fresh local 3-node cluster per run, one topic of `--partitions`
 * partitions with replication factor 3, and per run
 * - the time from CreateTopics until every partition has a leader, and until every ISR is full,
 *   as the nodes themselves report it (their Status, polled every 250 ms);
 * - each node process's CPU (percent of one core) and RSS, empty before the topic and after
 *   `--idle-seconds` at rest with it, read from /proc so the nodes are not disturbed;
 * - the time to produce `--records` records to every partition (acks=all, one send call);
 * - a keyed acks=all load of `--load-records` records over all partitions (keys k-0..k-4999, sent
 *   1,000 at a time with up to 5 sends in flight), in records per second;
 * - the time DeleteTopics takes to answer, bounded as the CLI bounds it (--timeout's default), and
 *   until no node hosts the topic any more; RSS again after that;
 * - the brokers the controller fenced for an expired session over the whole run, from the node
 *   logs: nothing is killed here, so every one is a healthy broker fenced (the goal is none).
 * Every wait is bounded; a phase that fails or passes its bound is reported in the table and the
 * run goes on with the phases that still make sense. The exit status is 1 if any phase failed.
 *
 *   npm run bench -- scale [--runs 1] [--partitions 2000] [--idle-seconds 30] [--window-seconds 10]
 *                          [--records 3] [--load-records 50000] [--wait-seconds max(120, partitions / 33)]
 */
import { startCluster, type ClusterStatus, type LocalCluster } from '../cluster/index.js';
import { DEFAULT_CLIENT_TIMEOUT_MS } from '../src/cli/client-context.js';
import { createClient } from '../src/client/index.js';
import { describeMachine, machineFigures, measureMachine } from './_machine.js';
import { sessionFences } from './_fences.js';
import { rssMbOf, sampleCpuPercent } from './_proc.js';
import { median, printResult, round } from './_stats.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} needs a non-negative number, got "${process.argv[i + 1]}"`);
    process.exit(2);
  }
  return value;
}

const runs = Math.max(1, option('runs', 1));
const partitions = Math.max(1, option('partitions', 2000));
const idleSeconds = option('idle-seconds', 30);
const windowSeconds = Math.max(1, option('window-seconds', 10));
const recordsPerPartition = Math.max(1, option('records', 3));
const loadRecords = option('load-records', 50_000);
const LOAD_KEYS = 5_000;
const LOAD_SEND_SIZE = 1_000;
const LOAD_SENDS_IN_FLIGHT = 5;
const waitMs = option('wait-seconds', Math.max(120, Math.ceil(partitions / 33))) * 1000;
const TOPIC = 'bench-scale';
const RF = 3;
/** Lets the startup's own work (registrations, the first metadata) finish before "empty idle". */
const EMPTY_SETTLE_MS = 5_000;
/** Lets the nodes drop the deleted partitions' memory before RSS is read again. */
const AFTER_DELETE_SETTLE_MS = 5_000;
const POLL_MS = 250;

type Figure = number | number[] | { error: string };
type Run = Record<string, Figure>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const name = (e as { kafkaName?: string }).kafkaName ?? e.name;
  return e.message.startsWith(name) ? e.message : `${name}: ${e.message}`;
}

/** Polls the cluster's status until `progress` reports done; the ms since `startedAt`, or why not. */
async function waitUntil(cluster: LocalCluster, startedAt: number, what: string, progress: (s: ClusterStatus) => { done: number; of: number }): Promise<Figure> {
  let last = 'no status yet';
  while (performance.now() - startedAt < waitMs) {
    try {
      const p = progress(await cluster.status());
      if (p.done >= p.of) return performance.now() - startedAt;
      last = `${p.done} of ${p.of}`;
    } catch (e) {
      last = describeError(e);
    }
    await sleep(POLL_MS);
  }
  return { error: `${what}: not within ${waitMs / 1000} s (last seen: ${last})` };
}

const ours = (s: ClusterStatus) => s.partitions.filter((p) => p.topic === TOPIC);

/**
 * The ms `body` took, or its error. The admin client asks again after a retriable error (a
 * timeout); when the first attempt went through meanwhile, the second answer is `afterRetry`
 * (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION), and the note says what that means.
 */
async function timed(body: () => Promise<unknown>, afterRetry?: string): Promise<Figure> {
  const started = performance.now();
  try {
    await body();
    return performance.now() - started;
  } catch (e) {
    const error = describeError(e);
    const note = afterRetry !== undefined && error.startsWith(afterRetry) ? '; an earlier attempt failed retriably and the client asked again' : '';
    return { error: `${error} (after ${Math.round(performance.now() - started)} ms${note})` };
  }
}

/** Keyed acks=all records over the whole topic, `LOAD_SENDS_IN_FLIGHT` sends at a time: records/s, or the error. */
async function keyedLoad(client: ReturnType<typeof createClient>, records: number): Promise<Figure> {
  const producer = client.producer({ acks: 'all', deliveryTimeoutMs: waitMs });
  const value = Buffer.alloc(100, 'x');
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < records) {
      const from = next;
      next = Math.min(records, next + LOAD_SEND_SIZE);
      const messages = Array.from({ length: next - from }, (_, i) => ({ key: `k-${(from + i) % LOAD_KEYS}`, value }));
      await producer.send({ topic: TOPIC, messages });
    }
  };
  try {
    const ms = await timed(() => Promise.all(Array.from({ length: LOAD_SENDS_IN_FLIGHT }, sender)));
    return typeof ms === 'number' ? (records / ms) * 1000 : ms;
  } finally {
    await producer.close({ timeoutMs: 5_000 });
  }
}

/** Fills `r` as it goes, so the figures before a failure are kept. */
async function oneRun(cluster: LocalCluster, r: Run): Promise<void> {
  const runStartedAt = Date.now();
  try {
    await measureRun(cluster, r);
  } finally {
    r['healthy brokers fenced (session expired)'] = sessionFences(cluster.dir, runStartedAt).length;
  }
}

async function measureRun(cluster: LocalCluster, r: Run): Promise<void> {
  const pids = cluster.nodes.map((n) => n.pid!);
  const rss = (): number[] => pids.map(rssMbOf);
  await sleep(EMPTY_SETTLE_MS);
  r['empty: CPU % per node'] = await sampleCpuPercent(pids, windowSeconds);
  r['empty: RSS MB per node'] = rss();

  const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: waitMs });
  try {
    const createdAt = performance.now();
    r['CreateTopics answered, ms'] = await timed(() => client.admin().createTopics([{ name: TOPIC, partitions, replicationFactor: RF }], { timeoutMs: waitMs }), 'TOPIC_ALREADY_EXISTS');
    r['all leaders, ms'] = await waitUntil(cluster, createdAt, 'every partition led', (s) => ({ done: ours(s).filter((p) => p.leader > 0).length, of: partitions }));
    r['all ISRs full, ms'] = await waitUntil(cluster, createdAt, `every ISR at ${RF}`, (s) => ({ done: ours(s).filter((p) => p.isr.length === RF).length, of: partitions }));

    await sleep(idleSeconds * 1000);
    r[`idle ${idleSeconds} s: CPU % per node`] = await sampleCpuPercent(pids, windowSeconds);
    r[`idle ${idleSeconds} s: RSS MB per node`] = rss();

    const producer = client.producer({ acks: 'all', deliveryTimeoutMs: waitMs });
    const value = Buffer.alloc(100, 'x');
    const messages = Array.from({ length: partitions * recordsPerPartition }, (_, i) => ({ key: null, value, partition: i % partitions }));
    r[`produce ${recordsPerPartition}/partition acks=all, ms`] = await timed(() => producer.send({ topic: TOPIC, messages }));
    await producer.close({ timeoutMs: 5_000 });
    if (loadRecords > 0) r[`keyed load of ${loadRecords} acks=all, records/s`] = await keyedLoad(client, loadRecords);
  } finally {
    await client.close({ timeoutMs: 5_000 });
  }

  // A client bounded as the CLI's `topics delete` is by default, so the answer is the one a user sees.
  const deleter = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: DEFAULT_CLIENT_TIMEOUT_MS });
  try {
    const deletedAt = performance.now();
    r['DeleteTopics answered, ms'] = await timed(() => deleter.admin().deleteTopics([TOPIC]), 'UNKNOWN_TOPIC_OR_PARTITION');
    // Every node must answer: one that does not might still host the topic.
    r['topic gone from every node, ms'] = await waitUntil(cluster, deletedAt, 'no node hosting the topic', (s) => ({
      done: s.nodes.every((n) => n.reachable) ? partitions - ours(s).length : 0,
      of: partitions,
    }));
  } finally {
    await deleter.close({ timeoutMs: 5_000 });
  }
  await sleep(AFTER_DELETE_SETTLE_MS);
  r['after delete: RSS MB per node'] = rss();
}

/** The figures of every run, with the median column; per-node figures are medians per node. */
function printTable(results: Run[]): Record<string, number | number[] | null> {
  const names = [...new Set(results.flatMap((r) => Object.keys(r)))];
  // Small figures (idle CPU %) keep a decimal; a whole number says enough about larger ones.
  const num = (v: number): string => (Math.abs(v) < 10 ? v.toFixed(1) : String(Math.round(v)));
  const cell = (f: Figure | undefined): string =>
    f === undefined ? 'not reached' : typeof f === 'number' ? num(f) : Array.isArray(f) ? f.map(num).join(' / ') : 'FAILED';
  const medians: Record<string, number | number[] | null> = {};
  const rows = names.map((name) => {
    const figures = results.map((r) => r[name]);
    const numbers = figures.filter((f): f is number => typeof f === 'number');
    const lists = figures.filter((f): f is number[] => Array.isArray(f));
    const m = numbers.length > 0 ? round(median(numbers)) : lists.length > 0 ? lists[0]!.map((_, i) => round(median(lists.map((l) => l[i]!)))) : null;
    medians[name] = m;
    const counted = numbers.length + lists.length;
    const note = counted < results.length ? ` (${counted} of ${results.length} runs)` : '';
    return [name, ...figures.map(cell), m === null ? 'none' : `${cell(m)}${note}`];
  });
  const header = ['figure', ...results.map((_, i) => `run ${i + 1}`), 'median'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '));
  return medians;
}

async function main(): Promise<void> {
  const machine = await measureMachine();
  console.log(
    `scale: ${runs} run(s), each a fresh 3-node cluster (default timing profile) with one topic of ${partitions.toLocaleString('en-US')} partitions, RF ${RF}; ` +
      `idle ${idleSeconds} s, CPU sampled over ${windowSeconds} s (100 % = one core); ${recordsPerPartition} records of 100 B per partition, then ${loadRecords} keyed; ` +
      `waits bounded at ${waitMs / 1000} s`,
  );
  console.log(describeMachine(machine));
  let current: LocalCluster | undefined;
  const onSignal = (): void => void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: Run[] = [];
  for (let run = 1; run <= runs; run++) {
    const result: Run = {};
    try {
      current = await startCluster({ nodes: 3 });
      await oneRun(current, result);
    } catch (e) {
      result['run'] = { error: describeError(e) };
    } finally {
      await current?.stop().catch((e: unknown) => console.error(`stopping the cluster of run ${run}: ${describeError(e)}`));
      current = undefined;
    }
    results.push(result);
    const failures = Object.entries(result).filter((entry): entry is [string, { error: string }] => typeof entry[1] === 'object' && !Array.isArray(entry[1]));
    console.log(`run ${run}/${runs} done${failures.length > 0 ? `; FAILED: ${failures.map(([k, f]) => `${k}: ${f.error}`).join('; ')}` : ''}`);
  }
  console.log('');
  const medians = printTable(results);
  const failed = results.flatMap((r, i) => Object.entries(r).flatMap(([k, f]) => (typeof f === 'object' && !Array.isArray(f) ? [`run ${i + 1} ${k}: ${f.error}`] : [])));
  for (const f of failed) console.log(`FAILED ${f}`);
  console.log(describeMachine(machine));
  printResult('scale', { runs, partitions, replicationFactor: RF, idleSeconds, windowSeconds, recordsPerPartition, loadRecords, ...machineFigures(machine), medians, failures: failed });
  // Channels and timers of finished runs must not keep the benchmark alive.
  process.exit(failed.length > 0 ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
