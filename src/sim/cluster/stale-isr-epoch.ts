/**
 * The scripted run behind KIP-903 (Kafka 3.5): a follower loses power and restarts at once while
 * an ISR expansion adding it is in flight. The leader proposed it on fetches from the follower's
 * previous process; the new process has lost its unflushed tail. If the controller admits it on
 * the strength of those old fetches, the ISR holds a replica without data the high watermark
 * already covers, and when the other replicas die it is elected cleanly and the acknowledged
 * writes are gone. With the check, the controller refuses the stale broker epoch
 * (INELIGIBLE_REPLICA), the partition waits offline for a replica that has the data, and nothing
 * is lost.
 *
 * Topology controllers-3+brokers-3, so killing two brokers leaves the metadata quorum running;
 * one partition, acks=all, min.insync.replicas 2, and no flush on append (Kafka's default), so a
 * power loss cuts what the follower had not flushed. The leader and the third replica are
 * killed (SIGKILL): they lose nothing themselves.
 */
import { topicByName } from '../../metadata/index.js';
import type { BrokerId, PartitionRegistration } from '../../metadata/types.js';
import type { ClusterScriptContext, ClusterSimOptions } from './cluster-simulation.js';
import { TOPIC } from './cluster-simulation.js';

const STEP_BOUND_MS = 5000;

export function staleIsrEpochOptions(seed: number, checkIsrBrokerEpochs: boolean): ClusterSimOptions {
  return {
    seed,
    topology: 'controllers-3+brokers-3',
    partitions: 1,
    acks: -1,
    minInsyncReplicas: 2,
    flushIntervalMessages: 0,
    checkIsrBrokerEpochs,
    script: expansionDuringRestart,
  };
}

async function expansionDuringRestart(c: ClusterScriptContext): Promise<void> {
  const step = (condition: () => boolean): Promise<boolean> => c.waitUntil(condition, c.now() + STEP_BOUND_MS);
  const partition = (): PartitionRegistration | undefined => {
    const image = c.image();
    return image && topicByName(image, TOPIC)?.partitions.get(0);
  };
  const pendingIsr = (leader: BrokerId) =>
    c.nodes.get(leader)?.runtime()?.replicaManager?.status().find((p) => p.topic === TOPIC && p.partition === 0)?.pendingIsr;
  const registration = (id: BrokerId) => c.image()?.brokers.get(id);

  await c.sleep(300);
  const start = partition();
  if (!start || start.isr.length !== 3) return c.trace('script: the partition is not fully in sync; nothing to do');
  const leader = start.leader;
  const [other, victim] = start.replicas.filter((id) => id !== leader) as [BrokerId, BrokerId];

  // 1. The victim's fetches stop reaching the leader, which drops it from the ISR.
  c.network.cutLink(victim, leader);
  if (!(await step(() => partition()?.isr.includes(victim) === false))) return c.trace('script: the ISR did not shrink');
  // 2. From now on the leader's AlterPartition calls are lost (and resent); the victim fetches
  //    again, catches up, and the leader proposes adding it.
  const release = c.network.loseCalls(({ from, what }) => from === leader && what === 'controller alterPartition');
  c.network.restoreLink(victim, leader);
  if (!(await step(() => pendingIsr(leader)?.includes(victim) === true))) return c.trace('script: no expansion was proposed');
  // 3. The victim loses power and restarts at once. Its fetches stay cut, so the new process does
  //    not fetch the lost tail back before the leader dies.
  const oldEpoch = registration(victim)!.brokerEpoch;
  c.network.cutLink(victim, leader);
  c.apply({ kind: 'crash', node: victim, crash: 'power-loss' });
  c.apply({ kind: 'restart' });
  if (!(await step(() => registration(victim)?.brokerEpoch !== oldEpoch && registration(victim)?.fenced === false))) {
    release();
    return c.trace('script: the victim did not come back');
  }
  // 4. The leader's resend reaches the controller, carrying the epoch of the victim's old process.
  release();
  await step(() => pendingIsr(leader) === undefined);
  c.trace(`script: ISR after the expansion: ${partition()?.isr.join(',')}`);
  // 5. The leader and the third replica die. Only the victim is left to be elected, and only if it
  //    is in the ISR.
  c.apply({ kind: 'crash', node: leader, crash: 'kill' });
  c.apply({ kind: 'crash', node: other, crash: 'kill' });
  await c.sleep(2000);
  c.trace(`script: leader after the kills: ${partition()?.leader}`);
}
