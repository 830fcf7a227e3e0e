/**
 * Runs one scenario: on the cluster it is given (left running as it was found), or on a temporary
 * cluster of the scenario's choosing that is stopped, every process with it, when the run ends.
 * Prints a header, the scenario's own report, then each claim checked and the verdict.
 */
import { randomBytes } from 'node:crypto';
import { startCluster, type LocalCluster } from '../../cluster/index.js';
import type { Print, Scale, Scenario, ScenarioContext, ScenarioResult } from './scenario.js';

export interface RunScenarioOptions {
  scale?: Scale;
  print?: Print;
  /** A running cluster to use; a temporary one is started (and stopped) when absent. */
  cluster?: LocalCluster;
}

export async function runScenario<R extends ScenarioResult>(scenario: Scenario<R>, options: RunScenarioOptions = {}): Promise<R> {
  const print = options.print ?? (() => undefined);
  const scale = options.scale ?? 'full';
  print(`scenario ${scenario.name} (${scale} scale): ${scenario.summary}`);
  let cluster = options.cluster;
  const temporary = cluster === undefined;
  if (!cluster) {
    print('starting a temporary cluster...');
    cluster = await startCluster(scenario.cluster);
  } else {
    print(`using the cluster in ${cluster.dir}`);
  }
  try {
    // One suffix per run: topics of earlier runs on the same cluster keep their data apart.
    const runId = randomBytes(3).toString('hex');
    const context: ScenarioContext = { cluster, scale, print, temporary, topicName: (base) => `${base}-${runId}` };
    const result = await scenario.run(context);
    print();
    for (const c of result.checks) print(`${c.holds ? 'ok  ' : 'FAIL'} ${c.claim}`);
    print(result.holds ? `the lesson of ${scenario.name} held` : `the lesson of ${scenario.name} did NOT hold`);
    return result;
  } finally {
    if (temporary) await cluster.stop();
  }
}
