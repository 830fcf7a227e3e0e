/**
 * `decoupling`: service A publishes events without knowing who reads them. Consumer groups B, C
 * and D each receive every event, each at its own position; D crashes after processing a poll but
 * before committing it, A carries on regardless, and D resumes from its last commit with nothing
 * missed (what it had not committed comes again). A group E that joins later reads the whole
 * history, since the log keeps events after they were consumed.
 */
import { createClient } from '../client/index.js';
import { claim, verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { GroupService } from './support/group-service.js';

export interface GroupFigures {
  readonly group: string;
  /** Distinct events processed. */
  readonly received: number;
  /** Events processed more than once. */
  readonly redelivered: number;
}

export interface DecouplingResult extends ScenarioResult {
  readonly published: number;
  /** Events A published, and had acknowledged, while D was down. */
  readonly publishedWhileDown: number;
  /** D's processed-but-uncommitted events at the crash. */
  readonly uncommittedAtCrash: number;
  readonly groups: readonly GroupFigures[];
}

const WAIT_MS = 30_000;
const PARTITIONS = 3;

export const decouplingScenario: Scenario<DecouplingResult> = {
  name: 'decoupling',
  summary: 'consumer groups B, C, D each get every event; D crashes and resumes from its commit with nothing missed; a late group E reads the history',
  cluster: PLAIN_CLUSTER,
  async run(context) {
    const { cluster, print } = context;
    const perBatch = context.scale === 'small' ? 30 : 300;
    const topic = context.topicName('events');
    await cluster.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3, timeoutMs: WAIT_MS });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers });
    const group = (name: string, maxPollRecords?: number) => new GroupService(name, context.topicName(`service-${name}`), client, topic, maxPollRecords);
    const [b, c] = [group('B'), group('C')];
    // D polls in small steps, so a crash leaves a few events processed but not committed.
    const d = group('D', Math.max(2, Math.floor(perBatch / 5)));
    const e = group('E');
    const services = [b, c, d, e];
    try {
      const producer = client.producer();
      let published: string[] = [];
      const publish = async (label: string): Promise<string[]> => {
        const batch = Array.from({ length: perBatch }, (_, i) => `${label}-${i}`);
        await producer.send({ topic, messages: batch.map((value) => ({ key: value, value })) });
        published = [...published, ...batch];
        return batch;
      };

      print();
      print(`--- A publishes to ${topic}; groups ${[b, c, d].map((s) => s.groupId).join(', ')} subscribe`);
      for (const s of [b, c, d]) s.start();
      await publish('first');
      await Promise.all([b, c, d].map((s) => s.consumeUntilSeen(published, WAIT_MS)));
      print(`A published ${published.length} events; B, C and D each processed and committed all of them`);

      await publish('second');
      const uncommittedAtCrash = await d.crashAfterProcessingOnePoll(WAIT_MS);
      print(`A published ${perBatch} more; D processed ${uncommittedAtCrash} of them and crashed before committing`);
      const whileDown = await publish('third');
      print(`while D is down, A published ${whileDown.length} more, all acknowledged: A does not know or wait for its readers`);
      await Promise.all([b, c].map((s) => s.consumeUntilSeen(published, WAIT_MS)));
      print(`B and C kept up: ${b.seen.size} and ${c.seen.size} events`);

      d.start();
      await d.consumeUntilSeen(published, WAIT_MS);
      print(`D restarted, resumed at its last commit and caught up: ${d.seen.size} of ${published.length} events, ${d.redelivered} of them a second time (the uncommitted ones)`);

      e.start();
      await e.consumeUntilSeen(published, WAIT_MS);
      print(`E joined late, as a new group starting from the earliest offset, and read the whole history: ${e.seen.size} events`);
      print('why: a topic is a log, not a queue that empties as it is read. Each group keeps its own committed position in it,');
      print('so readers are added, crash and catch up without the writer or each other noticing.');

      const groups = services.map((s) => ({ group: s.name, received: s.seen.size, redelivered: s.redelivered }));
      const total = published.length;
      return {
        ...verdict([
          claim(`B and C each received all ${total} events`, b.seen.size === total && c.seen.size === total),
          claim(`A's ${whileDown.length} events published while D was down were all acknowledged`, whileDown.length > 0),
          claim(`D resumed from its last commit and missed nothing (${d.seen.size} of ${total}; ${d.redelivered} redelivered of ${uncommittedAtCrash} uncommitted)`,
            d.seen.size === total && uncommittedAtCrash > 0 && d.redelivered === uncommittedAtCrash),
          claim(`E, joining late, read the whole history (${e.seen.size} of ${total})`, e.seen.size === total),
        ]),
        published: total,
        publishedWhileDown: whileDown.length,
        uncommittedAtCrash,
        groups,
      };
    } finally {
      await Promise.all(services.map((s) => s.stop()));
      await client.close({ timeoutMs: 2_000 });
    }
  },
};
