import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const run = promisify(execFile);

describe('brokerlab consume --group and groups describe', () => {
  let cluster: LocalCluster;
  const brokerlab = (...args: string[]) => run(process.execPath, [cli, ...args], { env: { ...process.env, BROKERLAB_DIR: cluster.dir }, timeout: 90_000 });

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    await cluster.createTopic('events', { partitions: 2, replicationFactor: 3 });
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('resumes a group from its committed offsets: every record exactly once across two runs', async () => {
    await brokerlab('produce', 'events', '--count', '40', '--key', 'k-{i%7}');
    const first = await brokerlab('consume', 'events', '--group', 'billing', '--from-beginning', '--max', '15', '--json');
    const described = await brokerlab('groups', 'describe', 'billing');
    const second = await brokerlab('consume', 'events', '--group', 'billing', '--from-beginning', '--idle-ms', '3000', '--json');

    const values = (out: string): string[] =>
      out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { value: string }).value);
    const firstValues = values(first.stdout);
    const secondValues = values(second.stdout);
    expect(firstValues).toHaveLength(15);
    // Manual commit after printing: the second run starts where the first one stopped.
    expect(secondValues).toHaveLength(25);
    expect(new Set([...firstValues, ...secondValues]).size).toBe(40);

    const committed = described.stdout
      .split('\n')
      .filter((l) => l.startsWith('events '))
      .map((l) => Number(l.split(/\s+/)[2]));
    expect(committed.reduce((a, b) => a + b, 0)).toBe(15);
    const listed = await brokerlab('groups', 'list');
    expect(listed.stdout).toMatch(/billing\s+Empty\s+consumer/);
  }, 180_000);

  it('refuses --commit without --group', async () => {
    await expect(brokerlab('consume', 'events', '--commit', 'auto')).rejects.toMatchObject({ code: 2 });
  });
});
