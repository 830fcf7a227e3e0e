/**
 * `brokerlab consume TOPIC`: prints records of every partition (or one) from the end, or from the
 * beginning, until --max records, --idle-ms without new ones, or Ctrl-C.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ConsumedRecord, OffsetToCommit } from '../../client/index.js';
import { addClientFlags, withClient, type ClientFlags } from '../client-context.js';
import { CliError } from '../errors.js';
import { print } from '../context.js';
import { parseNonNegative, parsePositive } from '../options.js';

interface ConsumeFlags extends ClientFlags {
  fromBeginning?: boolean;
  partition?: number;
  max?: number;
  idleMs?: number;
  json?: boolean;
  group?: string;
  commit?: 'manual' | 'auto';
}

export function registerConsume(program: Command): void {
  addClientFlags(
    program
      .command('consume')
      .argument('<topic>', 'topic to read')
      .description('print records as they arrive (from the end unless --from-beginning)')
      .option('--from-beginning', 'start at the first record instead of the end')
      .option('--partition <p>', 'read only this partition', parseNonNegative)
      .option('--max <n>', 'stop after n records', parsePositive)
      .option('--idle-ms <ms>', 'stop once no record arrived for this long', parsePositive)
      .option('--json', 'one JSON object per record')
      .option('--group <id>', 'consume as a member of this consumer group (partitions shared with its other members)')
      .option('--commit <mode>', 'with --group: manual (commit after each printed batch, the default) or auto (every 5 s)', parseCommitMode),
  ).action(async (topic: string, flags: ConsumeFlags, command: Command) => consume(topic, flags, command));
}

async function consume(topic: string, flags: ConsumeFlags, command: Command): Promise<void> {
  await withClient(command, flags, async (client) => {
    const [description] = await client.admin().describeTopics([topic]);
    const partitions = (description?.partitions ?? []).map((p) => p.partition);
    if (flags.partition !== undefined && !partitions.includes(flags.partition)) {
      throw new CliError(`topic ${topic} has no partition ${flags.partition} (it has ${partitions.length})`, 2);
    }
    if (flags.commit && !flags.group) throw new CliError('--commit needs --group', 2);
    if (flags.group && flags.partition !== undefined) throw new CliError('--partition cannot be used with --group: the group assigns partitions', 2);
    const autoOffsetReset = flags.fromBeginning ? 'earliest' : 'latest';
    const manualCommit = flags.group !== undefined && flags.commit !== 'auto';
    const consumer = flags.group
      ? client.consumer({ groupId: flags.group, autoOffsetReset, autoCommit: flags.commit === 'auto' })
      : client.consumer({ autoOffsetReset });
    if (flags.group) {
      consumer.subscribe([topic]);
    } else {
      const offset = flags.fromBeginning ? 'earliest' : 'latest';
      const chosen = flags.partition !== undefined ? [flags.partition] : partitions;
      consumer.assign(chosen.map((partition) => ({ topic, partition, offset })));
    }

    let interrupted = false;
    const onSignal = () => (interrupted = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let printed = 0;
    let lastRecordAt = Date.now();
    try {
      while (!interrupted && (flags.max === undefined || printed < flags.max)) {
        const records = await consumer.poll({ maxWaitMs: 250 });
        const done = new Map<string, OffsetToCommit>();
        for (const record of records) {
          if (flags.max !== undefined && printed >= flags.max) break;
          print(flags.json ? JSON.stringify(asJson(record)) : asText(record));
          printed++;
          done.set(`${record.topic}-${record.partition}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
        }
        // Committed only after the records are printed (processed), never before, and only those.
        if (manualCommit && done.size > 0) await consumer.commit([...done.values()]);
        if (records.length > 0) lastRecordAt = Date.now();
        else if (flags.idleMs !== undefined && Date.now() - lastRecordAt >= flags.idleMs) break;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await consumer.close();
    }
    process.stderr.write(`${printed} record(s)\n`);
  });
}

function parseCommitMode(value: string): 'manual' | 'auto' {
  if (value !== 'manual' && value !== 'auto') throw new InvalidArgumentError('expected manual or auto');
  return value;
}

function text(buffer: Buffer | null): string | null {
  return buffer === null ? null : buffer.toString('utf8');
}

function asJson(r: ConsumedRecord): Record<string, unknown> {
  return { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: text(r.key), value: text(r.value) };
}

function asText(r: ConsumedRecord): string {
  const key = r.key === null ? '' : ` key=${text(r.key)}`;
  return `${r.topic}-${r.partition}@${r.offset}${key} ${text(r.value) ?? 'null'}`;
}
