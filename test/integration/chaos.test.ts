// The chaos lab on real processes: the nemesis and the checker can fail. acks=1 under leader
// isolation loses acknowledged writes and the run says so; acks=all on the same faults loses
// nothing; a deliberately broken broker (acks=all answered before replication) is caught; a
// recorded schedule replays the same faults; the user's command runs with the cluster's addresses
// and its exit code decides the run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { readSchedule, type ChaosRunSettings } from '../../src/chaos/artifacts.js';
import { runChaos, type ChaosOptions } from '../../src/chaos/run-chaos.js';
import { describeStep } from '../../src/chaos/schedule.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const ACKS_ONE: ChaosRunSettings = { workload: 'queue', acks: 1, idempotent: false, minInsync: 2, ratePerSecond: 2_000 };
const ACKS_ALL: ChaosRunSettings = { ...ACKS_ONE, acks: 'all', idempotent: true };

/** Leaders cut off from their peers while clients still reach them: where acks=1 loses writes. */
function leaderIsolation(outDir: string, seed: number, settings: ChaosRunSettings): ChaosOptions {
  return { seed, durationMs: 9_000, nemesis: ['leader', 'isolate'], intervalMs: [1_000, 1_500], faultMs: [1_500, 2_000], settings, outDir, quietMs: 1_000 };
}

describe.skipIf(!nodeBuilt)(`brokerlab chaos (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'brokerlab-chaos-'));
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('finds acks=1 losing acknowledged writes when leaders are cut off, and passes it as the risk acks=1 takes', async () => {
    const result = await runChaos({ ...leaderIsolation(outDir, 101, ACKS_ONE), cluster });
    expect(result.nemesis.injected).toBeGreaterThanOrEqual(2);
    expect(result.report!.lostWrites.length).toBeGreaterThan(0);
    expect(result.verdict!.notes.join('\n')).toMatch(/acks=1 lost \d+ acknowledged values/);
    expect(result.exitCode).toBe(0);
    // The run's directory holds what a replay and a reader need.
    const history = readFileSync(join(result.runDir, 'history.jsonl'), 'utf8').trim().split('\n');
    expect(history.filter((l) => l.includes('"type":"send"')).length).toBe(result.report!.stats.sends);
    expect(readFileSync(join(result.runDir, 'timeline.txt'), 'utf8')).toMatch(/FAULT\s+isolate \d/);
    expect(JSON.parse(readFileSync(join(result.runDir, 'report.json'), 'utf8')).check.lostWrites.length).toBe(result.report!.lostWrites.length);
  }, 120_000);

  it('loses nothing with acks=all on the same faults', async () => {
    const result = await runChaos({ ...leaderIsolation(outDir, 101, ACKS_ALL), cluster });
    expect(result.nemesis.injected).toBeGreaterThanOrEqual(2);
    // A real workload ran through the faults (how much depends on how busy the machine is).
    expect(result.report!.stats.acknowledgedValues).toBeGreaterThan(200);
    expect(result.verdict!.violations).toEqual([]);
    expect(result.exitCode).toBe(0);
  }, 120_000);

  it('replays a recorded schedule: the same faults in the same order', async () => {
    const recorded = await runChaos({ seed: 202, durationMs: 5_000, nemesis: ['pause', 'delay', 'partition-halves'], intervalMs: [500, 800], faultMs: [800, 1_000], settings: { ...ACKS_ALL, workload: 'none' }, outDir, cluster });
    const replay = readSchedule(recorded.runDir);
    expect(replay.schedule).toEqual(recorded.schedule);
    const lines: string[] = [];
    const replayed = await runChaos({ seed: 0, durationMs: 1, nemesis: ['kill'], intervalMs: [1, 1], faultMs: [1, 1], settings: ACKS_ALL, outDir, cluster, replay, print: (l) => lines.push(l) });
    expect(replayed.seed).toBe(202);
    expect(replayed.schedule.steps.map(describeStep)).toEqual(recorded.schedule.steps.map(describeStep));
    expect(replayed.nemesis.injected).toBe(recorded.nemesis.injected);
    expect(lines.filter((l) => /FAULT/.test(l)).map((l) => l.replace(/^\+\s*[\d.]+s\s+/, ''))).toEqual(
      readFileSync(join(recorded.runDir, 'timeline.txt'), 'utf8')
        .split('\n')
        .filter((l) => /FAULT/.test(l))
        .map((l) => l.replace(/^\+\s*[\d.]+s\s+/, '')),
    );
  }, 120_000);

  it("runs the user's command with the cluster's addresses, stops the faults when it ends, and fails with it", async () => {
    const script = [
      "const kafka = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '';",
      "const native = process.env.BROKERLAB_BOOTSTRAP_SERVERS ?? '';",
      "if (!/^127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+){2}$/.test(kafka) || !native) process.exit(9);",
      'setTimeout(() => process.exit(3), 1500);',
    ].join('\n');
    const started = performance.now();
    const result = await runChaos({
      seed: 303,
      durationMs: 60_000,
      nemesis: ['pause'],
      intervalMs: [500, 500],
      faultMs: [500, 500],
      settings: { ...ACKS_ALL, workload: 'none' },
      outDir,
      cluster,
      command: [process.execPath, '-e', script],
    });
    expect(result.command?.code).toBe(3);
    expect(result.exitCode).toBe(1);
    // The 60 s schedule was cut short when the command ended.
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(readFileSync(join(result.runDir, 'timeline.txt'), 'utf8')).toMatch(/exited with code 3/);
  }, 120_000);
  it("runs the README's kafkajs smoke app through leader faults: every order read back once", async () => {
    const app = fileURLToPath(new URL('../../examples/chaos-smoke.mjs', import.meta.url));
    const result = await runChaos({
      seed: 404,
      durationMs: 60_000,
      nemesis: ['leader'],
      intervalMs: [1_500, 2_500],
      faultMs: [1_000, 1_500],
      settings: { ...ACKS_ALL, workload: 'none' },
      outDir,
      cluster,
      command: [process.execPath, app],
    });
    expect(result.nemesis.injected).toBeGreaterThanOrEqual(2);
    expect(result.command?.code).toBe(0);
    expect(result.exitCode).toBe(0);
  }, 120_000);
});

describe.skipIf(!nodeBuilt)(`brokerlab chaos against a broken broker (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  let outDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'brokerlab-chaos-'));
    // Every node this cluster starts answers acks=all before replication (node processes inherit the environment).
    process.env['BROKERLAB_UNSAFE_ACK_BEFORE_REPLICATION'] = '1';
    try {
      cluster = await startCluster({ nodes: 3 });
    } finally {
      delete process.env['BROKERLAB_UNSAFE_ACK_BEFORE_REPLICATION'];
    }
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('catches acks=all acknowledged before replication: lost writes, a failed verdict, the replay command', async () => {
    const lines: string[] = [];
    const result = await runChaos({ ...leaderIsolation(outDir, 101, ACKS_ALL), cluster, print: (l) => lines.push(l) });
    expect(result.report!.lostWrites.length).toBeGreaterThan(0);
    expect(result.verdict!.holds).toBe(false);
    expect(result.verdict!.violations.join('\n')).toMatch(/acknowledged values lost \(acks=all\)/);
    expect(result.exitCode).toBe(1);
    expect(lines.join('\n')).toMatch(/seed 101; replay the same faults with: brokerlab chaos --replay /);
  }, 120_000);
});
