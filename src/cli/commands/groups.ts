/** `brokerlab groups list|describe`: consumer groups, their members, assignments, committed offsets and lag. */
import type { Command } from 'commander';
import type { ConsumerGroupDescription, GroupPartitionOffset } from '../../client/index.js';
import { addClientFlags, withClient, type ClientFlags } from '../client-context.js';
import { print } from '../context.js';
import { table } from '../render/style.js';

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list and describe consumer groups');

  addClientFlags(groups.command('list').description('every consumer group with its state')).action(async (flags: ClientFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const listing = (await client.admin().listGroups()).sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
      if (listing.length === 0) process.stderr.write('no consumer groups yet\n');
      for (const line of table([['GROUP', 'STATE', 'PROTOCOL'], ...listing.map((g) => [g.groupId, g.state, g.protocolType])])) print(line);
    }),
  );

  addClientFlags(
    groups.command('describe').argument('<group>', 'group id').description('members, assignment, committed offset, end offset and lag per partition'),
  ).action(async (groupId: string, flags: ClientFlags, command: Command) =>
    withClient(command, flags, async (client) => {
      const admin = client.admin();
      const [description, offsets] = await Promise.all([admin.describeGroup(groupId), admin.groupOffsets(groupId)]);
      for (const line of describeGroup(description, offsets)) print(line);
    }),
  );
}

/** The text of `groups describe`: a header, the members, then one row per partition. */
export function describeGroup(group: ConsumerGroupDescription, offsets: readonly GroupPartitionOffset[]): string[] {
  const owner = new Map<string, string>();
  for (const m of group.members) for (const tp of m.assignment) owner.set(`${tp.topic}-${tp.partition}`, m.clientId || m.memberId);
  const lines = [`group ${group.groupId}  state ${group.state}  generation ${group.generationId}  assignor ${group.protocol || '-'}`, ''];
  if (group.members.length > 0) {
    lines.push(...table([['MEMBER', 'CLIENT', 'HOST', 'PARTITIONS'], ...group.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-'])]), '');
  } else {
    lines.push('no active members', '');
  }
  const sorted = [...offsets].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const show = (n: number): string => (n < 0 ? '-' : String(n));
  lines.push(
    ...table([
      ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OWNER'],
      ...sorted.map((o) => [o.topic, String(o.partition), show(o.committedOffset), show(o.logEndOffset), show(o.lag), owner.get(`${o.topic}-${o.partition}`) ?? '-']),
    ]),
  );
  if (sorted.length === 0) lines.push('(no committed offsets yet)');
  return lines;
}
