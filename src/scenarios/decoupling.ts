/**
 * `decoupling`: service A publishes events without knowing who reads them. Consumer groups B, C
 * and D each receive every event, each at its own position; D crashes after processing a poll but
 * before committing it, A carries on regardless, and D resumes from its last commit with nothing
 * missed (what it had not committed comes again). What D missed is measured from the cluster: its
 * group's committed offsets at the crash and the log ends when it restarts bound the records it
 * owes; these are read back from the log and must all be among what D processed after restarting. A group E that joins later reads the whole
 * history, since the log keeps events after they were consumed.
 */
import { createClient } from '../client/index.js';
import { verdict, type Scenario, type ScenarioResult } from './scenario.js';
import { PLAIN_CLUSTER } from './support/clusters.js';
import { GroupService } from './support/group-service.js';
import { readTopic, text } from './support/read-back.js';
import { judgeDecoupling } from './verdicts.js';

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
  /** How much the log grew (sum of high watermarks) while D was down. */
  readonly logGrowthWhileDown: number;
  /** D's processed-but-uncommitted events at the crash. */
  readonly uncommittedAtCrash: number;
  /** Events in the log past D's committed offsets when it restarted: what it had missed. */
  readonly dMissed: number;
  /** Of those, how many D processed after the restart. */
  readonly dRecovered: number;
  readonly groups: readonly GroupFigures[];
}

const WAIT_MS = 30_000;
const PARTITIONS = 3;

export const decouplingScenario: Scenario<DecouplingResult> = {
  name: 'decoupling',
  summary: 'consumer groups B, C, D each get every event; D crashes and recovers from the log what it missed; a late group E reads the history',
  cluster: PLAIN_CLUSTER,
  async run(context) {
    const { cluster, print } = context;
    const perBatch = context.scale === 'small' ? 30 : 300;
    const topic = context.topicName('events');
    await cluster.createTopic(topic, { partitions: PARTITIONS, replicationFactor: 3, timeoutMs: WAIT_MS });
    const client = createClient({ bootstrapServers: cluster.bootstrapServers });
    const admin = client.admin();
    const group = (name: string, maxPollRecords?: number) => new GroupService(name, context.topicName(`service-${name}`), client, topic, maxPollRecords);
    const [b, c] = [group('B'), group('C')];
    // D polls in small steps, so a crash leaves a few events processed but not committed.
    const d = group('D', Math.max(2, Math.floor(perBatch / 5)));
    const e = group('E');
    const services = [b, c, d, e];
    const logEnds = async () => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.latest] as const));
    const sum = (ends: ReadonlyMap<number, number>) => [...ends.values()].reduce((n, v) => n + v, 0);
    try {
      const producer = client.producer();
      let published: string[] = [];
      /** Publishes a batch; resolves with the events acknowledged (all of them, or it throws). */
      const publish = async (label: string): Promise<string[]> => {
        const batch = Array.from({ length: perBatch }, (_, i) => `${label}-${i}`);
        const acks = await producer.send({ topic, messages: batch.map((value) => ({ key: value, value })) });
        const acknowledged = batch.slice(0, acks.length);
        published = [...published, ...acknowledged];
        return acknowledged;
      };

      print();
      print(`--- A publishes to ${topic}; groups ${[b, c, d].map((s) => s.groupId).join(', ')} subscribe`);
      for (const s of [b, c, d]) s.start();
      await publish('first');
      await Promise.all([b, c, d].map((s) => s.consumeUntilSeen(published, WAIT_MS)));
      print(`A published ${published.length} events; B, C and D each processed and committed all of them`);

      await publish('second');
      const beforeCrash = d.log.length;
      const uncommittedAtCrash = await d.crashAfterProcessingOnePoll(WAIT_MS);
      const dUncommitted = d.log.slice(beforeCrash);
      const committed = new Map((await admin.groupOffsets(d.groupId)).filter((o) => o.topic === topic).map((o) => [o.partition, o.committedOffset] as const));
      const endsAtCrash = await logEnds();
      print(`A published ${perBatch} more; D processed ${uncommittedAtCrash} of them and crashed before committing`);
      print(`  D's committed offsets: ${[...endsAtCrash.keys()].map((p) => `p${p} ${committed.get(p) ?? 0}`).join(', ')}; log ends ${[...endsAtCrash].map(([p, o]) => `p${p} ${o}`).join(', ')}`);
      const whileDown = await publish('third');
      const endsAtRestart = await logEnds();
      const logGrowth = sum(endsAtRestart) - sum(endsAtCrash);
      print(`while D is down, A published ${whileDown.length} more, all acknowledged (the log grew by ${logGrowth}): A does not know or wait for its readers`);
      await Promise.all([b, c].map((s) => s.consumeUntilSeen(published, WAIT_MS)));
      print(`B and C kept up: ${b.seen.size} and ${c.seen.size} events`);

      const beforeRestart = d.log.length;
      d.start();
      await d.consumeUntilSeen(published, WAIT_MS);
      // Let D finish what it is given, then stop it: its log after the restart is complete.
      await d.stop();
      const dAfterRestart = d.log.slice(beforeRestart);

      e.start();
      await e.consumeUntilSeen(published, WAIT_MS);
      const read = await readTopic(client, topic, WAIT_MS);
      const log = read.records.map((r) => text(r.value));
      // What D owed when it restarted: every record from its committed offset to the log end then.
      const dOwed = read.records.filter((r) => r.offset >= (committed.get(r.partition) ?? 0) && r.offset < (endsAtRestart.get(r.partition) ?? 0)).map((r) => text(r.value));
      const judged = judgeDecoupling({
        published,
        log,
        b: new Set(b.seen.keys()),
        c: new Set(c.seen.keys()),
        e: new Set(e.seen.keys()),
        whileDown: { acknowledged: whileDown.length, logGrowth },
        dUncommitted,
        dOwed,
        dAfterRestart,
      });
      print(`D restarted at its committed offsets: the log held ${judged.dMissed} events past them (${logGrowth} published while it was down);`);
      print(`  it processed ${dAfterRestart.length} after the restart, recovering ${judged.dRecovered} of those ${judged.dMissed}, ${judged.dRedelivered} of them a second time (the uncommitted ones)`);
      print(`E joined late, as a new group starting from the earliest offset, and read the whole history: ${e.seen.size} of the ${log.length} events in the log`);
      print('why: a topic is a log, not a queue that empties as it is read. Each group keeps its own committed position in it,');
      print('so readers are added, crash and catch up without the writer or each other noticing.');

      const groups = services.map((s) => ({ group: s.name, received: s.seen.size, redelivered: s.redelivered }));
      return {
        ...verdict(judged.checks),
        published: published.length,
        publishedWhileDown: whileDown.length,
        logGrowthWhileDown: logGrowth,
        uncommittedAtCrash,
        dMissed: judged.dMissed,
        dRecovered: judged.dRecovered,
        groups,
      };
    } finally {
      await Promise.all(services.map((s) => s.stop()));
      await client.close({ timeoutMs: 2_000 });
    }
  },
};
