/**
 * `npm run bench -- startup [runs]`: how long a local 3-node cluster takes from `up` to ready
 * (quorum leader, every broker registered and unfenced), and to its first acknowledged acks=all
 * write (topic with replication factor 3 and min.insync.replicas 2 created, one record sent).
 * Medians over several runs; the targets are 1 s to ready and 1.2 s to the first write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../cluster/index.js';
import { createClient } from '../src/client/index.js';
import { describeMachine, machineFigures, measureMachine } from './_machine.js';
import { median, printResult, round } from './_stats.js';

const TARGET_READY_MS = 1000;
const TARGET_FIRST_WRITE_MS = 1200;
const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: npm run bench -- startup [runs]; runs must be a positive integer, got "${process.argv[2]}"`);
  process.exit(2);
}

interface Sample {
  readyMs: number;
  firstWriteMs: number;
}

async function oneRun(): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlab-bench-startup-'));
  const started = performance.now();
  const supervisor = await Supervisor.create(dir, { nodes: 3 }, { detached: false, killOnExit: true });
  try {
    await supervisor.startAll();
    await supervisor.waitForReady(30_000, true);
    const readyMs = performance.now() - started;
    const client = createClient({ bootstrapServers: supervisor.bootstrapServers, requestTimeoutMs: 10_000 });
    try {
      await client.admin().createTopics([{ name: 'first', partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }], { waitForLeaders: true });
      await client.producer({ acks: 'all', lingerMs: 0 }).send({ topic: 'first', messages: [{ key: null, value: 'hello' }] });
    } finally {
      await client.close();
    }
    return { readyMs, firstWriteMs: performance.now() - started };
  } finally {
    await supervisor.stopAll(5000);
    supervisor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Before the first cluster starts; startup has no throughput to relate to them, they say how fast the machine was.
const machine = await measureMachine();
const samples: Sample[] = [];
for (let i = 0; i < runs; i++) {
  const sample = await oneRun();
  samples.push(sample);
  console.log(`run ${i + 1}/${runs}: ready after ${round(sample.readyMs)} ms, first acks=all write after ${round(sample.firstWriteMs)} ms`);
}
const readyMedian = median(samples.map((s) => s.readyMs));
const firstWriteMedian = median(samples.map((s) => s.firstWriteMs));
console.log(`median of ${runs}: ready ${round(readyMedian)} ms, first write ${round(firstWriteMedian)} ms (targets: ready <= ${TARGET_READY_MS} ms, first write <= ${TARGET_FIRST_WRITE_MS} ms)`);
console.log(describeMachine(machine));
printResult('startup', {
  ...machineFigures(machine),
  nodes: 3,
  runs,
  ready_ms_median: round(readyMedian),
  first_write_ms_median: round(firstWriteMedian),
  ready_ms_min: round(Math.min(...samples.map((s) => s.readyMs))),
  target_ready_ms: TARGET_READY_MS,
  target_first_write_ms: TARGET_FIRST_WRITE_MS,
  meets_target: readyMedian <= TARGET_READY_MS && firstWriteMedian <= TARGET_FIRST_WRITE_MS,
});
// Channels and timers of finished runs must not keep the benchmark alive.
process.exit(0);
