// `brokerlab scenario` as a user runs it: on a temporary cluster of its own, and with --dir on a
// running cluster, which it leaves running with every fault undone; an unknown name is a usage error.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../cluster/process-state.js';
import { runCli } from '../unit/cli/run-cli.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

let dir: string;

function recordedPids(): number[] {
  const path = join(dir, 'cluster.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { nodes: { pid: number | null }[] }).nodes.flatMap((n) => (n.pid ? [n.pid] : []));
}

describe.skipIf(!nodeBuilt)(`brokerlab scenario (${SKIP_REASON})`, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'brokerlab-scenario-cli-'));
  });
  afterAll(async () => {
    await runCli(['down', '--dir', dir], { timeoutMs: 60_000 }).catch(() => undefined);
    for (const pid of recordedPids()) if (processState(pid) !== 'dead') process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('runs a scenario on a temporary cluster and exits 0 when the lesson holds', async () => {
    const run = await runCli(['scenario', 'async', '--scale', 'small'], { timeoutMs: 100_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^starting a temporary cluster\.\.\.$/m);
    expect(run.stdout).toMatch(/^synchronous \d+ ms vs asynchronous \d+ ms per request$/m);
    expect(run.stdout).toMatch(/^the lesson of async held$/m);
  }, 110_000);

  it('runs a fault scenario on the cluster named by --dir and leaves it running, every node back and undelayed', async () => {
    const up = await runCli(['up', '--detach', '--dir', dir, '--kafka-port-base', '0'], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    const run = await runCli(['scenario', 'loss', '--scale', 'small', '--dir', dir], { timeoutMs: 100_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^using the cluster in ${dir}$`, 'm'));
    expect(run.stdout).toMatch(/^ok +acks=1 lost acknowledged writes \([1-9]\d* lost\)$/m);
    expect(run.stdout).toMatch(/^ok +acks=all with min\.insync\.replicas=2 lost none \(0 lost\)$/m);

    const status = await runCli(['status', '--json', '--dir', dir], { timeoutMs: 30_000 });
    const nodes = (JSON.parse(status.stdout) as { nodes: { id: number; process: string; broker?: { fenced: boolean }; faults?: { delay_ms: number } }[] }).nodes;
    for (const node of nodes) {
      expect(node.process, `node ${node.id}`).toBe('up');
      expect(node.broker?.fenced, `node ${node.id}`).toBe(false);
      expect(node.faults?.delay_ms ?? 0, `node ${node.id}`).toBe(0);
    }
  }, 180_000);

  it('refuses an unknown scenario with a usage error', async () => {
    const run = await runCli(['scenario', 'nope'], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('brokerlab: unknown scenario "nope"; choose one of: loss, duplicates, ordering, async, peak-shaving, decoupling\n');
  });
});
