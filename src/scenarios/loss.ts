/**
 * `loss`: acknowledged writes vanish when acks=1 meets a leader crash, and do not with acks=all.
 *
 * The same fault twice: the partition's followers are paused (SIGSTOP) so they copy nothing,
 * records are produced, the leader is SIGKILLed and the followers resume. A follower without the
 * newest records takes over both times; only the producer's side differs. With acks=1 the leader
 * acknowledged records no one else had, and they are gone. With acks=all and min.insync.replicas=2
 * nothing was acknowledged while only the leader had it; the producer retried against the new
 * leader, and every send made during the fault is acknowledged in the end, none lost.
 *
 * Whether the election was clean is measured, not assumed: the status is sampled through the fault,
 * and the new leader is compared with the ISR the cluster last showed under the old leader. The
 * topic allows unclean election, but a follower still in the ISR when the leader dies is elected
 * cleanly, and still lacks what acks=1 acknowledged.
 */
import { checkHistory } from '../check/index.js';
import { createClient, type BrokerlabClient, type Producer } from '../client/index.js';
import { findPartition, type LocalCluster, type PartitionView } from '../../cluster/index.js';
import { readEvents } from '../../cluster/events.js';
import { verdict, type Scenario, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { FAULT_CLUSTER } from './support/clusters.js';
import { Faults } from './support/faults.js';
import { readTopic, text } from './support/read-back.js';
import { SendHistory } from './support/send-history.js';
import { sleep, within } from './support/wait.js';
import { classifyElection, judgeLoss, type ElectionKind, type ElectionObservation, type LossFigures } from './verdicts.js';

export interface LossRun extends LossFigures {
  readonly sent: number;
  readonly lostValues: readonly string[];
  readonly electionKind: ElectionKind;
}

export interface LossResult extends ScenarioResult {
  readonly acksOne: LossRun;
  readonly acksAll: LossRun;
}

const WAIT_MS = 30_000;
/** Records written while every replica is in sync, before the fault. */
const BEFORE_PAUSE = 5;
/** How long the acks=all producer keeps retrying a record before giving up on it. */
const DELIVERY_TIMEOUT_MS = 60_000;

export const lossScenario: Scenario<LossResult> = {
  name: 'loss',
  summary: 'acks=1 loses acknowledged writes when the leader dies before its followers copy them; acks=all with min.insync.replicas=2 loses none',
  cluster: FAULT_CLUSTER,
  async run(context) {
    const count = context.scale === 'small' ? 10 : 50;
    const acksOne = await crashBeforeReplication(context, 1, count);
    explainAcksOne(context, acksOne);
    const acksAll = await crashBeforeReplication(context, 'all', count);
    explainAcksAll(context, acksAll);
    context.print();
    for (const run of [acksOne, acksAll]) {
      context.print(
        `${`acks=${run.acks}:`.padEnd(9)} ${run.acknowledged} of ${run.sent} records acknowledged (${run.acknowledgedDuringFault} of the ${run.sentDuringFault} sent during the fault), ` +
          `${run.electionKind === 'unknown' ? 'election not observed' : `${run.electionKind} election`}, ${run.lost} lost`,
      );
    }
    return {
      ...verdict(judgeLoss(acksOne, acksAll)),
      acksOne,
      acksAll,
    };
  },
};

async function crashBeforeReplication(context: ScenarioContext, acks: 1 | 'all', count: number): Promise<LossRun> {
  const { cluster, print } = context;
  const topic = context.topicName(acks === 1 ? 'loss-acks1' : 'loss-acksall');
  const minInsync = acks === 1 ? 1 : 2;
  print();
  print(`--- acks=${acks}, min.insync.replicas=${minInsync}, unclean.leader.election.enable=true (topic ${topic})`);
  await cluster.createTopic(topic, { partitions: 1, replicationFactor: 3, minInsync, configs: { 'unclean.leader.election.enable': 'true' }, timeoutMs: WAIT_MS });
  await cluster.waitForIsr(topic, 0, 3, WAIT_MS);
  const client = createClient({ bootstrapServers: cluster.bootstrapServers, requestTimeoutMs: 3_000 });
  const faults = new Faults(cluster, print);
  const history = new SendHistory(topic, 0);
  try {
    const producer = acks === 1 ? client.producer({ acks: 1 }) : client.producer({ acks: 'all', deliveryTimeoutMs: DELIVERY_TIMEOUT_MS });
    // Written while every replica is in sync, through the same producer: the acks=all one thus has
    // its producer id (from the controller) before the pause, which on a cluster of combined nodes
    // freezes the controller quorum too.
    for (let i = 0; i < BEFORE_PAUSE; i++) await history.send(producer, `${topic}-replicated-${i}`, 'all');

    const partition = (await cluster.status()).partitions.find((p) => p.topic === topic && p.partition === 0)!;
    const leader = partition.leader;
    const followers = partition.replicas.filter((id) => id !== leader);
    const uncleanAllowed = await uncleanElectionSetting(client, topic);
    print(`leader node ${leader} (epoch ${partition.leaderEpoch}), followers ${followers.join(', ')}; ${BEFORE_PAUSE} records written with acks=all while all three were in sync`);
    await faults.pause(followers);
    print(`paused followers ${followers.join(', ')} (SIGSTOP): from now on they copy nothing`);
    const watch = watchPartition(cluster, topic, leader);

    const during = produceWhilePaused(history, producer, topic, acks, count);
    const acknowledgedByLeader = await within(during.acknowledgedSoon, 1_500, 0);
    print(`sent ${count} records with acks=${acks}: ${acknowledgedByLeader} acknowledged while only the leader had them`);

    const isrAtKill = watch.lastUnderOldLeader()?.isr;
    const killedAtMs = Date.now();
    await faults.kill(leader);
    await faults.resume(followers);
    print(`killed node ${leader} (SIGKILL) while the ISR was [${isrAtKill?.join(', ') ?? 'unknown'}], and resumed ${followers.join(', ')}`);
    const newLeader = await cluster.waitForLeader(topic, 0, { not: leader, timeoutMs: WAIT_MS });
    const before = watch.lastUnderOldLeader();
    await watch.stop();
    const after = findPartition(await cluster.status(), topic, 0);
    const election: ElectionObservation = {
      leaderBefore: leader,
      epochBefore: partition.leaderEpoch,
      isrBefore: before?.isr,
      newLeader,
      epochAfter: after?.leader === newLeader ? after.leaderEpoch : -1,
      uncleanAllowed,
      ...(await electionEvent(cluster.dir, topic, newLeader, killedAtMs)),
    };
    const electionKind = classifyElection(election);
    print(`node ${newLeader} leads now (epoch ${election.epochAfter}): a follower that was paused while the last records were written`);
    print(`  ${describeElection(election, electionKind)}`);

    await within(during.settled, DELIVERY_TIMEOUT_MS + 5_000, undefined);
    await faults.start(leader);
    await cluster.waitForIsr(topic, 0, 3, WAIT_MS).then(
      () => print(`node ${leader} is back and in sync: it truncated its log to match node ${newLeader}'s`),
      () => print(`node ${leader} is back but not yet in sync; reading from node ${newLeader}`),
    );
    return await judge(context, client, topic, acks, history, election, electionKind);
  } finally {
    await faults.undoAll();
    await client.close({ timeoutMs: 2_000 });
  }
}

/**
 * acks=1: sends one after another, each answered by the leader alone. acks=all: sends them all at
 * once; none can be acknowledged while the followers are paused, and the producer keeps retrying.
 */
function produceWhilePaused(history: SendHistory, producer: Producer, topic: string, acks: 1 | 'all', count: number): { acknowledgedSoon: Promise<number>; settled: Promise<void> } {
  const values = Array.from({ length: count }, (_, i) => `${topic}-during-${i}`);
  if (acks === 1) {
    const sequential = (async () => {
      let acknowledged = 0;
      for (const value of values) if (await history.send(producer, value, 1)) acknowledged++;
      return acknowledged;
    })();
    return { acknowledgedSoon: sequential, settled: sequential.then(() => undefined) };
  }
  let acknowledged = 0;
  const all = Promise.all(values.map(async (value) => (await history.send(producer, value, 'all')) && acknowledged++));
  // The batch reaches the leader and waits there; what was acknowledged by then is the figure.
  return { acknowledgedSoon: sleep(1_000).then(() => acknowledged), settled: all.then(() => undefined) };
}

async function judge(
  context: ScenarioContext,
  client: BrokerlabClient,
  topic: string,
  acks: 1 | 'all',
  history: SendHistory,
  election: ElectionObservation,
  electionKind: ElectionKind,
): Promise<LossRun> {
  const read = await readTopic(client, topic, WAIT_MS);
  const records = (read.partitions.get(0) ?? []).map((r) => ({ offset: r.offset, value: text(r.value) }));
  const highWatermark = records.length > 0 ? records[records.length - 1]!.offset + 1 : 0;
  const report = checkHistory({
    topic,
    sends: history.sends,
    polls: [],
    final: [{ partition: 0, leader: -1, highWatermark, logStartOffset: 0, records, replicas: [] }],
  });
  const lostValues = report.lostWrites.map((w) => w.value);
  const sent = history.sends.length;
  const acknowledged = history.acknowledged().length;
  context.print(`read back ${records.length} records; of ${acknowledged} acknowledged (of ${sent} sent), ${lostValues.length} are missing`);
  if (lostValues.length > 0) context.print(`  missing: ${lostValues.slice(0, 4).join(', ')}${lostValues.length > 4 ? ', ...' : ''}`);
  // A fetch answer already on its way to a follower when it froze can carry the first records.
  const survived = history.acknowledged().filter((v) => v.includes('-during-') && !lostValues.includes(v)).length;
  if (acks === 1 && survived > 0) context.print(`  ${survived} of those sent during the pause survived: a fetch answer was already in flight to a follower when it froze`);
  const during = history.sends.filter((op) => op.values.some((v) => v.includes('-during-')));
  const failuresDuringFault = during.filter((op) => op.outcome !== 'ok').map((op) => `${op.values[0]}: ${op.error ?? 'no answer'}`);
  if (failuresDuringFault.length > 0) context.print(`  ${failuresDuringFault.length} sends during the fault were not acknowledged, first: ${failuresDuringFault[0]}`);
  return {
    acks,
    sent,
    acknowledged,
    sentDuringFault: during.length,
    acknowledgedDuringFault: during.length - failuresDuringFault.length,
    failuresDuringFault,
    lost: lostValues.length,
    lostValues,
    election,
    electionKind,
  };
}

/** The topic's unclean.leader.election.enable as the cluster describes it (undefined when it does not say). */
async function uncleanElectionSetting(client: BrokerlabClient, topic: string): Promise<boolean | undefined> {
  try {
    const [description] = await client.admin().describeTopics([topic]);
    const value = description?.configs['unclean.leader.election.enable'];
    return value === undefined ? undefined : value === 'true';
  } catch {
    return undefined;
  }
}

/**
 * Samples the partition's status every 100 ms; remembers the last view that still showed `oldLeader`
 * leading: the ISR the controller elected the next leader from.
 */
function watchPartition(cluster: LocalCluster, topic: string, oldLeader: number): { lastUnderOldLeader(): PartitionView | undefined; stop(): Promise<void> } {
  let last: PartitionView | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await within(cluster.status().catch(() => undefined), 3_000, undefined);
      const view = status && findPartition(status, topic, 0);
      if (view && view.leader === oldLeader) last = view;
      else if (view && view.leader > 0) running = false;
      if (running) await sleep(100);
    }
  })();
  return {
    lastUnderOldLeader: () => last,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/**
 * The controller's event for the election that made `newLeader` the leader, waited for a moment
 * (nodes write their logs asynchronously); nothing when none appears.
 */
async function electionEvent(runDir: string, topic: string, newLeader: number, sinceMs: number): Promise<{ reportedByController?: 'clean' | 'unclean' }> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const found = readEvents(runDir, { sinceMs }).find(
      (e) => (e.kind === 'leader-elected' || e.kind === 'unclean-leader-elected') && e.fields['topic'] === topic && e.fields['partition'] === 0 && e.fields['leader'] === newLeader,
    );
    if (found) return { reportedByController: found.kind === 'leader-elected' ? 'clean' : 'unclean' };
    if (Date.now() >= deadline) return {};
    await sleep(200);
  }
}

function describeElection(e: ElectionObservation, kind: ElectionKind): string {
  const setting = e.uncleanAllowed === undefined ? 'the topic\'s unclean.leader.election.enable is not reported' : `the topic has unclean.leader.election.enable=${e.uncleanAllowed}`;
  if (e.reportedByController !== undefined) {
    const seen = e.isrBefore === undefined ? '' : `; the ISR last seen under node ${e.leaderBefore} was [${e.isrBefore.join(', ')}]`;
    return kind === 'clean'
      ? `the controller reports a clean election of node ${e.newLeader} (leader-elected event${seen}; ${setting})`
      : `the controller reports an unclean election: node ${e.newLeader} was outside the ISR (unclean-leader-elected event${seen}; ${setting})`;
  }
  if (kind === 'unknown') return `the status showed no ISR under node ${e.leaderBefore} before the election, so whether it was clean is unknown (${setting})`;
  if (kind === 'clean') return `node ${e.newLeader} was in the ISR [${e.isrBefore!.join(', ')}] when node ${e.leaderBefore} died: a clean election (${setting})`;
  return `node ${e.newLeader} was not in the ISR [${e.isrBefore!.join(', ')}] when node ${e.leaderBefore} died: an unclean election (${setting})`;
}

function explainAcksOne(context: ScenarioContext, run: LossRun): void {
  const p = context.print;
  p(`why ${run.lost} acknowledged records are gone: acks=1 means "the leader has it", nothing more. The followers`);
  if (run.electionKind === 'unclean') {
    p(`had not copied them when the leader died, and node ${run.election.newLeader}, outside the ISR, became leader without them: an unclean`);
    p('election (unclean.leader.election.enable=true lets a replica outside the ISR lead). The old leader, on its return,');
    p('truncated its log to match the new one. With unclean election off the partition would have stayed offline until');
    p('the old leader returned with the records: unavailable, not lossy.');
  } else if (run.electionKind === 'clean') {
    p(`had not copied them when the leader died, yet node ${run.election.newLeader} was still in the ISR (not paused long enough`);
    p('to be dropped from it), so its election was clean, and it lacked the records all the same. The old leader, on');
    p('its return, truncated its log to match the new one. Turning unclean election off does not make acks=1 safe:');
    p('an in-sync follower is not one that has every acknowledged record.');
  } else {
    p('had not copied them when the leader died, a follower became leader without them, and the old leader, on its');
    p('return, truncated its log to match the new one.');
  }
}

function explainAcksAll(context: ScenarioContext, run: LossRun): void {
  const p = context.print;
  p('why nothing is lost: with acks=all the leader answers once every in-sync replica has the record, and');
  p('min.insync.replicas=2 refuses writes while fewer than two replicas are in sync; so nothing was acknowledged while');
  p(`only the leader had it. The producer kept retrying the ${run.sentDuringFault} records sent during the fault, against the new`);
  p(`leader (${run.acknowledgedDuringFault} acknowledged in the end), and idempotence (the default with acks=all) kept those retries`);
  p('from writing anything twice.');
}
