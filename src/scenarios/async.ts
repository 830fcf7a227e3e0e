/**
 * `async`: a request that calls three services in turn waits for all of them; the same request
 * that does its own part, publishes one message per service and returns, answers in a few
 * milliseconds, while the services do their work in parallel, later.
 *
 * Both paths go through the same services: a consumer per service topic on the cluster, doing its
 * work (a sleep: 200, 300 and 300 ms) for each message it reads and recording when it started and
 * finished. The synchronous request publishes to one service, waits until that service has done
 * the task, then the next; the asynchronous one publishes to all three and returns. The verdict
 * compares what was measured: each synchronous request against the work the services reported
 * for it, the asynchronous latency against the synchronous one, and when the services finished
 * the asynchronous tasks against when the request returned.
 */
import { createClient, type BrokerlabClient, type Consumer, type Producer } from '../client/index.js';
import { verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { text } from './support/read-back.js';
import { sleep } from './support/wait.js';
import { judgeAsync, type AsyncRequestMeasured, type SyncRequestMeasured } from './verdicts.js';

export interface AsyncResult extends ScenarioResult {
  readonly requests: number;
  /** Median latency of the request that calls every service in turn. */
  readonly syncLatencyMs: number;
  /** Median latency of the request that publishes and returns. */
  readonly asyncLatencyMs: number;
  /** Asynchronous tasks the services completed, of `expectedTasks`. */
  readonly tasksDone: number;
  readonly expectedTasks: number;
  /** From the last asynchronous publish until the services had finished every task. */
  readonly drainMs: number;
}

const WAIT_MS = 30_000;
/** A message sent before timing starts; the services skip it. */
const WARM_UP = 'warm-up';
/** The request's own work, done before it answers either way. */
const OWN_WORK = { name: 'order', ms: 10 };
/** The services the request calls in turn, or publishes to. */
const SERVICES = [
  { name: 'payment', ms: 200 },
  { name: 'inventory', ms: 300 },
  { name: 'email', ms: 300 },
] as const;

export const asyncScenario: Scenario<AsyncResult> = {
  name: 'async',
  summary: 'a request that waits for three services in turn takes their sum (about 810 ms); publishing three messages and returning takes about 20 ms, and the services do the rest',
  cluster: PLAIN_CLUSTER,
  async run(context) {
    const { cluster, print } = context;
    const requests = context.scale === 'small' ? 3 : 10;
    const topics = SERVICES.map((s) => context.topicName(`async-${s.name}`));
    for (const topic of topics) await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, timeoutMs: WAIT_MS });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers });
    // The services are other programs: a client of their own, so their long polls never queue
    // ahead of the request's publishes on a shared connection.
    const servicesClient = createClient({ bootstrapServers: cluster.bootstrapServers });
    let services: Services | undefined;
    try {
      services = await startServices(servicesClient, topics);
      const producer = client.producer({ lingerMs: 0 });
      // The producer's id and the topics' metadata are fetched once, before anything is timed.
      await Promise.all(topics.map((topic) => producer.send({ topic, messages: [{ key: WARM_UP, value: WARM_UP }] })));

      print();
      print(`--- synchronous: ${OWN_WORK.name} ${OWN_WORK.ms} ms, then call ${SERVICES.map((s) => `${s.name} (${s.ms} ms)`).join(', then ')}, each through its topic, waiting for it to finish`);
      const sync: SyncRequestMeasured[] = [];
      for (let i = 0; i < requests; i++) {
        const id = `sync-${i}`;
        const latencyMs = await timed(() => handleSynchronously(producer, topics, services!, id));
        const tasks = services.tasksOf(id);
        sync.push({ latencyMs, tasksDone: tasks.length, serviceWorkMs: tasks.reduce((sum, t) => sum + (t.finishedAtMs - t.startedAtMs), 0) });
      }
      const syncMedian = [...sync].sort((a, b) => a.latencyMs - b.latencyMs)[Math.floor(sync.length / 2)]!;
      print(`${requests} requests, median ${syncMedian.latencyMs.toFixed(0)} ms each, of which the services reported ${syncMedian.serviceWorkMs.toFixed(0)} ms of work: the caller waits for every service, one after the other`);

      print();
      print(`--- asynchronous: ${OWN_WORK.name} ${OWN_WORK.ms} ms, then one message each to ${topics.join(', ')}, and return`);
      const returned: { id: string; latencyMs: number; returnedAtMs: number }[] = [];
      for (let i = 0; i < requests; i++) {
        const id = `async-${i}`;
        const latencyMs = await timed(() => handleAsynchronously(producer, topics, id));
        returned.push({ id, latencyMs, returnedAtMs: performance.now() });
      }
      const publishedAt = performance.now();
      const asyncIds = returned.map((r) => r.id);
      await services.waitForTasks(asyncIds, WAIT_MS + requests * Math.max(...SERVICES.map((s) => s.ms)));
      const drainMs = performance.now() - publishedAt;
      const asyncMeasured: AsyncRequestMeasured[] = returned.map((r) => ({
        latencyMs: r.latencyMs,
        returnedAtMs: r.returnedAtMs,
        tasksFinishedAtMs: services!.tasksOf(r.id).map((t) => t.finishedAtMs),
      }));
      const judged = judgeAsync({ services: SERVICES.length, sync, async: asyncMeasured });
      print(`${requests} requests, median ${judged.asyncLatencyMs.toFixed(0)} ms each: the caller waits for the order and three acknowledged publishes`);
      for (const s of services.perService(asyncIds)) print(`  ${s.name.padEnd(9)} service finished ${s.done} of the asynchronous tasks`);
      print(`the services finished ${judged.tasksDone} of ${judged.expectedTasks} tasks ${drainMs.toFixed(0)} ms after the last request returned, each at its own pace`);
      print('why: the caller no longer waits for work whose result it does not need; the log holds the requests until each');
      print('service gets to them, so a slow or stopped service delays only its own work.');
      print();
      print(`synchronous ${judged.syncLatencyMs.toFixed(0)} ms vs asynchronous ${judged.asyncLatencyMs.toFixed(0)} ms per request`);
      return {
        ...verdict(judged.checks),
        requests,
        syncLatencyMs: judged.syncLatencyMs,
        asyncLatencyMs: judged.asyncLatencyMs,
        tasksDone: judged.tasksDone,
        expectedTasks: judged.expectedTasks,
        drainMs,
      };
    } finally {
      await services?.stop();
      await servicesClient.close({ timeoutMs: 2_000 });
      await client.close({ timeoutMs: 2_000 });
    }
  },
};

/** Does its own part, then calls each service through its topic and waits until that service has done the task. */
async function handleSynchronously(producer: Producer, topics: readonly string[], services: Services, requestId: string): Promise<void> {
  await sleep(OWN_WORK.ms);
  for (let i = 0; i < topics.length; i++) {
    await producer.send({ topic: topics[i]!, messages: [{ key: requestId, value: requestId }] });
    await services.waitForTask(i, requestId, WAIT_MS);
  }
}

async function handleAsynchronously(producer: Producer, topics: readonly string[], requestId: string): Promise<void> {
  await sleep(OWN_WORK.ms);
  await Promise.all(topics.map((topic) => producer.send({ topic, messages: [{ key: requestId, value: requestId }] })));
}

interface Task {
  readonly service: number;
  readonly request: string;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

interface Services {
  /** The tasks the services have finished for a request so far. */
  tasksOf(request: string): Task[];
  perService(requests: readonly string[]): { name: string; done: number }[];
  /** Waits until service `service` has finished the task of `request` (throws after `timeoutMs`). */
  waitForTask(service: number, request: string, timeoutMs: number): Promise<void>;
  /** Waits until every service has finished the task of every one of `requests`, or the time is up. */
  waitForTasks(requests: readonly string[], timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** One consumer per service, each doing its service's work for every message it receives, one at a time, and recording it. */
async function startServices(client: BrokerlabClient, topics: readonly string[]): Promise<Services> {
  const tasks: Task[] = [];
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
        const request = text(record.value);
        if (request === WARM_UP) continue;
        const startedAtMs = performance.now();
        await sleep(SERVICES[i]!.ms);
        tasks.push({ service: i, request, startedAtMs, finishedAtMs: performance.now() });
      }
    }
  });
  const has = (service: number, request: string) => tasks.some((t) => t.service === service && t.request === request);
  const until = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) return false;
      await sleep(2);
    }
    return true;
  };
  return {
    tasksOf: (request) => tasks.filter((t) => t.request === request),
    perService: (requests) => SERVICES.map((s, i) => ({ name: s.name, done: tasks.filter((t) => t.service === i && requests.includes(t.request)).length })),
    async waitForTask(service, request, timeoutMs) {
      if (!(await until(() => has(service, request), timeoutMs))) throw new Error(`service ${SERVICES[service]!.name} did not finish ${request} within ${timeoutMs} ms`);
    },
    async waitForTasks(requests, timeoutMs) {
      await until(() => requests.every((r) => SERVICES.every((_, i) => has(i, r))), timeoutMs);
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
