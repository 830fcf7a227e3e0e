// The CLI against a real cluster, as the quick start uses it: up --detach, topics, produce, kill,
// status, start, consume, down. (The README's quick start itself runs verbatim in readme.test.ts.)
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processState } from '../../cluster/process-state.js';
import { runCli } from '../unit/cli/run-cli.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

// A journey of a dozen CLI processes, each bounded by its own timeout: the budget is their share on
// a loaded machine, not a race against the clock.
const JOURNEY_TIMEOUT_MS = 240_000;

let dir: string;
const cli = (...args: string[]) => runCli([...args, '--dir', dir], { timeoutMs: 60_000 });

function recordedPids(): number[] {
  const path = join(dir, 'cluster.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { nodes: { pid: number | null }[] }).nodes.flatMap((n) => (n.pid ? [n.pid] : []));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlab-cli-it-'));
});
afterEach(() => {
  for (const pid of recordedPids()) if (processState(pid) !== 'dead') process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!nodeBuilt)(`brokerlab CLI on a real cluster (${SKIP_REASON})`, () => {
  it('goes through the quick start: up, topics, produce, kill, status, start, consume, down', async () => {
    const up = await cli('up', '--detach', '--kafka-port-base', '0');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/cluster started and ready in \d+ ms \(3 nodes/);

    const create = await cli('topics', 'create', 'orders', '--partitions', '3', '--replication-factor', '3', '--min-insync', '2');
    expect(create.code, create.stderr).toBe(0);
    const produce = await cli('produce', 'orders', '--acks', 'all', '--key', 'user-{i%100}', '--count', '1000');
    expect(produce.code, produce.stderr).toBe(0);
    expect(produce.stdout).toMatch(/^acked 1000 of 1000 records \(acks=all\)/m);

    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^orders\s+0\s+\d\s+\d+\s+\d,\d,\d\s+\d,\d,\d\s+\d+\s/m);

    const kill = await cli('kill', '2');
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toMatch(/killed node 2 \(SIGKILL, pid \d+\)\nthe cluster reacted:/);
    expect(kill.stdout).toMatch(/ISR shrank to \[\d,\d\] after \d+ ms/);
    const after = await cli('status');
    expect(after.stdout).toMatch(/^2\s+controller\+broker\s+-\s+dead/m);

    const start = await cli('start', '2');
    expect(start.stdout).toMatch(/node 2 answered and registered \(broker epoch \d+\) after \d+ ms/);

    const consume = await cli('consume', 'orders', '--from-beginning', '--max', '1000', '--json');
    expect(consume.code, consume.stderr).toBe(0);
    expect(consume.stdout.trim().split('\n')).toHaveLength(1000);

    const unknown = await cli('kill', '9');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('brokerlab: unknown node 9; this cluster has nodes 1, 2, 3\n');
    const missing = await cli('produce', 'nope', '--count', '1');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);

    const pids = recordedPids();
    const down = await cli('down');
    expect(down.stdout).toMatch(/node 1: stopped \(controlled shutdown\)/);
    for (const pid of pids) expect(processState(pid)).toBe('dead');

    // up on the same directory brings back the same cluster with its data.
    const restarted = await cli('up', '--detach');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('cluster restarted and ready');
    const again = await cli('consume', 'orders', '--from-beginning', '--max', '1000', '--json');
    expect(again.stdout.trim().split('\n')).toHaveLength(1000);
    await cli('down', '--purge');
    expect(existsSync(dir)).toBe(false);
  }, JOURNEY_TIMEOUT_MS);

  it('reports a dead cluster with a non-zero exit and no stack trace', async () => {
    expect((await cli('up', '--detach', '--nodes', '1', '--kafka-port-base', '0')).code).toBe(0);
    for (const pid of recordedPids()) process.kill(pid, 'SIGKILL');
    const status = await cli('status');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/no node of the cluster in .* answered/);
    const list = await cli('topics', 'list', '--timeout', '1500');
    expect(list.code).not.toBe(0);
    expect(list.stderr).not.toMatch(/\n\s+at /);
  });
});
