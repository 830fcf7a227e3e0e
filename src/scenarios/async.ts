/**
 * `async`: a request that calls four services in turn waits for all of them; the same request that
 * does its own part, publishes one message per remaining service and returns, answers in a few
 * milliseconds, while consumers do the remaining work in parallel, later.
 *
 * The work is simulated (a sleep per service: 10, 200, 300 and 300 ms); the messages are real,
 * produced with acks=all and consumed from the cluster.
 */
import { createClient, type BrokerlabClient, type Consumer, type Producer } from '../client/index.js';
import { claim, verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { text } from './support/read-back.js';
import { sleep } from './support/wait.js';

export interface AsyncResult extends ScenarioResult {
  readonly requests: number;
  /** Median latency of the request that calls every service in turn. */
  readonly syncLatencyMs: number;
  /** Median latency of the request that publishes and returns. */
  readonly asyncLatencyMs: number;
  /** Tasks the consumers completed, of `expectedTasks`. */
  readonly tasksDone: number;
  readonly expectedTasks: number;
  /** From the last publish until the consumers had finished every task. */
  readonly drainMs: number;
}

const WAIT_MS = 30_000;
/** A message sent before timing starts; the services skip it. */
const WARM_UP = 'warm-up';
/** The request's own work, done before it answers either way. */
const OWN_WORK = { name: 'order', ms: 10 };
/** The services the request would otherwise call in turn. */
const SERVICES = [
  { name: 'payment', ms: 200 },
  { name: 'inventory', ms: 300 },
  { name: 'email', ms: 300 },
] as const;

export const asyncScenario: Scenario<AsyncResult> = {
  name: 'async',
  summary: 'a request that calls four services in turn takes their sum (about 810 ms); publishing three messages and returning takes about 20 ms, and consumers do the rest',
  cluster: PLAIN_CLUSTER,
  async run(context) {
    const { cluster, print } = context;
    const requests = context.scale === 'small' ? 3 : 10;
    const topics = SERVICES.map((s) => context.topicName(`async-${s.name}`));
    for (const topic of topics) await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, timeoutMs: WAIT_MS });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers });
    let services: Services | undefined;
    try {
      print();
      print(`--- synchronous: ${[OWN_WORK, ...SERVICES].map((s) => `${s.name} ${s.ms} ms`).join(', then ')}`);
      const syncLatencies: number[] = [];
      for (let i = 0; i < requests; i++) syncLatencies.push(await timed(() => handleSynchronously()));
      const syncLatencyMs = median(syncLatencies);
      print(`${requests} requests, median ${syncLatencyMs.toFixed(0)} ms each: the caller waits for every service, one after the other`);

      print();
      print(`--- asynchronous: ${OWN_WORK.name} ${OWN_WORK.ms} ms, then one message each to ${topics.join(', ')}, and return`);
      services = await startServices(client, topics);
      const producer = client.producer({ lingerMs: 0 });
      // The producer's id and the topics' metadata are fetched once, before anything is timed.
      await Promise.all(topics.map((topic) => producer.send({ topic, messages: [{ key: WARM_UP, value: WARM_UP }] })));
      const asyncLatencies: number[] = [];
      for (let i = 0; i < requests; i++) asyncLatencies.push(await timed(() => handleAsynchronously(producer, topics, `request-${i}`)));
      const publishedAt = performance.now();
      const asyncLatencyMs = median(asyncLatencies);
      print(`${requests} requests, median ${asyncLatencyMs.toFixed(0)} ms each: the caller waits for the order and three acknowledged publishes`);

      const expectedTasks = requests * SERVICES.length;
      const tasksDone = await services.waitForTasks(expectedTasks, WAIT_MS + requests * Math.max(...SERVICES.map((s) => s.ms)));
      const drainMs = performance.now() - publishedAt;
      for (const s of services.perService()) print(`  ${s.name.padEnd(9)} consumer finished ${s.done} tasks`);
      print(`the consumers finished ${tasksDone} of ${expectedTasks} tasks ${drainMs.toFixed(0)} ms after the last request returned, each service at its own pace`);
      print('why: the caller no longer waits for work whose result it does not need; the log holds the requests until each');
      print('service gets to them, so a slow or stopped service delays only its own work.');
      print();
      print(`synchronous ${syncLatencyMs.toFixed(0)} ms vs asynchronous ${asyncLatencyMs.toFixed(0)} ms per request`);
      const serialMs = OWN_WORK.ms + SERVICES.reduce((sum, s) => sum + s.ms, 0);
      return {
        ...verdict([
          // Timers may fire a millisecond early; the point is that the waits add up.
          claim(`the synchronous request took the sum of the work (${syncLatencyMs.toFixed(0)} ms for ${serialMs} ms of work)`, syncLatencyMs >= serialMs * 0.98),
          claim(`the asynchronous request answered in a fraction of it (${asyncLatencyMs.toFixed(0)} ms < ${serialMs / 4} ms)`, asyncLatencyMs < serialMs / 4),
          claim(`the consumers finished every task (${tasksDone} of ${expectedTasks})`, tasksDone === expectedTasks),
        ]),
        requests,
        syncLatencyMs,
        asyncLatencyMs,
        tasksDone,
        expectedTasks,
        drainMs,
      };
    } finally {
      await services?.stop();
      await client.close({ timeoutMs: 2_000 });
    }
  },
};

async function handleSynchronously(): Promise<void> {
  await sleep(OWN_WORK.ms);
  for (const service of SERVICES) await sleep(service.ms);
}

async function handleAsynchronously(producer: Producer, topics: readonly string[], requestId: string): Promise<void> {
  await sleep(OWN_WORK.ms);
  await Promise.all(topics.map((topic) => producer.send({ topic, messages: [{ key: requestId, value: requestId }] })));
}

interface Services {
  perService(): { name: string; done: number }[];
  /** Waits until `expected` tasks are done or the time is up; returns how many are done. */
  waitForTasks(expected: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** One consumer per service, each doing its service's work for every message it receives, one at a time. */
async function startServices(client: BrokerlabClient, topics: readonly string[]): Promise<Services> {
  const done = SERVICES.map(() => 0);
  let running = true;
  const consumers: Consumer[] = [];
  for (const topic of topics) {
    const consumer = client.consumer({ maxWaitMs: 200 });
    consumer.assign([{ topic, partition: 0, offset: 'latest' }]);
    // Resolve 'latest' now, so the messages published next are all read.
    await consumer.position({ topic, partition: 0 });
    consumers.push(consumer);
  }
  const loops = consumers.map(async (consumer, i) => {
    while (running) {
      for (const record of await consumer.poll()) {
        if (text(record.value) === WARM_UP) continue;
        await sleep(SERVICES[i]!.ms);
        done[i]!++;
      }
    }
  });
  const total = () => done.reduce((a, b) => a + b, 0);
  return {
    perService: () => SERVICES.map((s, i) => ({ name: s.name, done: done[i]! })),
    async waitForTasks(expected: number, timeoutMs: number): Promise<number> {
      const deadline = performance.now() + timeoutMs;
      while (total() < expected && performance.now() < deadline) await sleep(20);
      return total();
    },
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
      await Promise.all(consumers.map((c) => c.close({ timeoutMs: 1_000 })));
    },
  };
}

async function timed(action: () => Promise<void>): Promise<number> {
  const startedAt = performance.now();
  await action();
  return performance.now() - startedAt;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
