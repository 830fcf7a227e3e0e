/** `brokerlab topics create|list|describe|alter-configs|delete-records|delete`: topic administration through the native client. */
import type { Command } from 'commander';
import type { ReplicaLogInfo, TopicDescription } from '../../client/index.js';
import { addClientFlags, withClient, type ClientFlags } from '../client-context.js';
import { print } from '../context.js';
import { usageError } from '../errors.js';
import { collectAssignment, integerParser, parsePositive } from '../options.js';
import { table } from '../render/style.js';

interface AlterConfigsFlags extends ClientFlags {
  config?: string[];
  deleteConfig?: string[];
}

interface DeleteRecordsFlags extends ClientFlags {
  partition: number;
  before: number;
}

/** `--before hw` is Kafka's -1: everything below the high watermark. */
const parseBefore = (value: string): number => (value.trim().toLowerCase() === 'hw' ? -1 : integerParser(0)(value));

interface CreateFlags extends ClientFlags {
  partitions: number;
  replicationFactor?: number;
  minInsync?: number;
  config?: string[];
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('create, list, describe, reconfigure and delete topics');

  addClientFlags(
    topics
      .command('create')
      .argument('<name>', 'topic name')
      .description('create a topic and wait until every partition has a leader')
      .option('--partitions <n>', 'number of partitions', parsePositive, 1)
      .option('--replication-factor <n>', 'replicas per partition (default: 3, or fewer brokers if there are fewer)', parsePositive)
      .option('--min-insync <n>', 'min.insync.replicas for acks=all writes', parsePositive)
      .option('--config <key=value>', 'any topic config, e.g. retention.ms=60000 (repeatable)', collectAssignment),
  ).action(async (name: string, flags: CreateFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const configs = topicConfigs(flags);
      const replicationFactor = flags.replicationFactor ?? Math.min(3, (await client.admin().describeCluster()).brokers.length);
      const spec = { name, partitions: flags.partitions, replicationFactor, configs };
      await client.admin().createTopics([spec], { waitForLeaders: true, timeoutMs: Math.max(flags.timeout, 10_000) });
      const [description] = await client.admin().describeTopics([name]);
      const rf = description?.partitions[0]?.replicas.length ?? flags.replicationFactor ?? '?';
      const extra = Object.entries(configs).map(([k, v]) => `, ${k}=${v}`).join('');
      print(`created topic ${name}: ${flags.partitions} partition(s), replication factor ${rf}${extra}`);
    }),
  );

  addClientFlags(topics.command('list').description('list topic names')).action(async (flags: ClientFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const names = (await client.admin().listTopics()).sort();
      if (names.length === 0) process.stderr.write('no topics yet\n');
      for (const name of names) print(name);
    }),
  );

  addClientFlags(
    topics.command('describe').argument('[names...]', 'topics to describe (default: all)').description('partitions, leaders, replicas, ISR and configs'),
  ).action(async (names: string[], flags: ClientFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const descriptions = await client.admin().describeTopics(names);
      if (descriptions.length === 0) process.stderr.write('no topics yet\n');
      // Brokers that cannot say (an older node) leave the log columns as '?'.
      const logs = descriptions.length > 0 ? await client.admin().describeLogDirs(descriptions.map((d) => d.name)).catch(() => []) : [];
      for (const d of descriptions.sort((a, b) => (a.name < b.name ? -1 : 1))) print(describe(d, logs));
    }),
  );

  addClientFlags(
    topics
      .command('alter-configs')
      .argument('<name>', 'topic name')
      .description("set or remove topic configs, e.g. retention.bytes=1000000; brokers apply log settings at their next retention check")
      .option('--config <key=value>', 'set a topic config (repeatable)', collectAssignment)
      .option('--delete-config <key>', 'remove a config override, back to its default (repeatable)', (v: string, prev: string[] = []) => [...prev, v]),
  ).action(async (name: string, flags: AlterConfigsFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const changes: Record<string, string | null> = { ...topicConfigs({ config: flags.config }) };
      for (const key of flags.deleteConfig ?? []) changes[key] = null;
      if (Object.keys(changes).length === 0) throw usageError('give at least one --config key=value or --delete-config key');
      await client.admin().alterConfigs({ [name]: changes }, { timeoutMs: Math.max(flags.timeout, 10_000) });
      const shown = Object.entries(changes).map(([k, v]) => (v === null ? `${k} (default)` : `${k}=${v}`));
      print(`altered configs of ${name}: ${shown.join(', ')}`);
    }),
  );

  addClientFlags(
    topics
      .command('delete-records')
      .argument('<name>', 'topic name')
      .description("delete a partition's records below an offset (Kafka's DeleteRecords) and print the new low watermark")
      .requiredOption('--partition <n>', 'partition index', integerParser(0))
      .requiredOption('--before <offset|hw>', "new log start offset, or 'hw' for the high watermark", parseBefore),
  ).action(async (name: string, flags: DeleteRecordsFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const [result] = await client.admin().deleteRecords([{ topic: name, partition: flags.partition, offset: flags.before }], { timeoutMs: Math.max(flags.timeout, 10_000) });
      print(`deleted records of ${name}-${flags.partition} before ${flags.before === -1 ? 'the high watermark' : flags.before}: low watermark ${result!.lowWatermark}`);
    }),
  );

  addClientFlags(topics.command('delete').argument('<names...>', 'topics to delete').description('delete topics')).action(
    async (names: string[], flags: ClientFlags, command: Command) =>
      withClient(command, flags, async (client) => {
        await client.admin().deleteTopics(names);
        print(`deleted ${names.join(', ')}`);
      }),
  );
}

function topicConfigs(flags: Pick<CreateFlags, 'config' | 'minInsync'>): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const assignment of flags.config ?? []) {
    const eq = assignment.indexOf('=');
    configs[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  if (flags.minInsync !== undefined) configs['min.insync.replicas'] = String(flags.minInsync);
  return configs;
}

/** Partitions with leader and ISR, and the leader replica's log: start offset, size and segments (as retention leaves them). */
function describe(d: TopicDescription, logs: readonly ReplicaLogInfo[]): string {
  const configs = Object.entries(d.configs)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const rows = [['  PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START', 'LOG-END', 'SIZE', 'SEGMENTS']];
  for (const p of d.partitions) {
    const log = logs.find((l) => l.topic === d.name && l.partition === p.partition && l.brokerId === p.leader);
    const logColumns = log ? [String(log.logStartOffset), String(log.logEndOffset), formatBytes(log.sizeBytes), String(log.segments)] : ['?', '?', '?', '?'];
    rows.push([`  ${p.partition}`, p.leader >= 0 ? String(p.leader) : 'none', String(p.leaderEpoch), p.replicas.join(','), p.isr.join(','), ...logColumns]);
  }
  return [`${d.name}  (id ${d.topicId}, ${d.partitions.length} partitions${configs ? `, ${configs}` : ''})`, ...table(rows)].join('\n');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
