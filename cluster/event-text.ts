/**
 * One human line per cluster event, from its fields. Every kind degrades gracefully: a field the
 * emitting node left out is simply not mentioned, and an unknown kind lists its fields, so an
 * older reader still prints events a newer node writes.
 */
type Fields = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const list = (v: unknown): string => (Array.isArray(v) ? `[${v.join(',')}]` : String(v));
const ms = (v: unknown): string => `${Math.round(num(v) ?? 0)} ms`;
const leaderName = (v: unknown): string => (num(v) === undefined || num(v)! < 0 ? 'none' : String(v));

function partitionName(f: Fields): string {
  const topic = str(f['topic']);
  const partition = num(f['partition']);
  if (topic === undefined) return partition === undefined ? '' : `partition ${partition}`;
  return partition === undefined ? topic : `${topic}-${partition}`;
}

function withReason(text: string, f: Fields): string {
  const reason = str(f['reason']);
  return reason ? `${text}: ${reason}` : text;
}

function isrChange(f: Fields, verb: string): string {
  const replica = f['replica'] ?? f['replicas'];
  let text = `${partitionName(f)}: ISR ${f['previousIsr'] !== undefined ? `${list(f['previousIsr'])} -> ` : ''}${list(f['isr'])}`;
  if (replica !== undefined) text += `, replica ${Array.isArray(replica) ? replica.join(',') : String(replica)} ${verb}`;
  text = withReason(text, f);
  if (num(f['lagMs']) !== undefined) {
    text += ` (behind for ${ms(f['lagMs'])}${num(f['maxLagMs']) !== undefined ? `, replica.lag.time.max.ms ${ms(f['maxLagMs'])}` : ''})`;
  }
  return text;
}

function leaderElected(f: Fields, unclean: boolean): string {
  const epoch = num(f['leaderEpoch']);
  let text = `${partitionName(f)}: ${unclean ? 'UNCLEAN ' : ''}leader ${leaderName(f['previousLeader'])} -> ${leaderName(f['leader'])}`;
  if (epoch !== undefined) text += ` (epoch ${epoch})`;
  if (f['isr'] !== undefined) text += `, ISR ${list(f['isr'])}`;
  if (num(f['sinceLastHeardMs']) !== undefined) text += `, old leader last heard ${ms(f['sinceLastHeardMs'])} before`;
  if (unclean) text += '; acknowledged records the old ISR had may be lost';
  return withReason(text, f);
}

const describers: Record<string, (f: Fields) => string> = {
  'broker-registered': (f) => `broker ${String(f['broker'])} registered${num(f['brokerEpoch']) !== undefined ? ` (broker epoch ${String(f['brokerEpoch'])})` : ''}`,
  'broker-fenced': (f) => {
    let text = withReason(`broker ${String(f['broker'])} fenced`, f);
    if (num(f['sinceLastHeardMs']) !== undefined) text += ` (last heard ${ms(f['sinceLastHeardMs'])} before)`;
    return text;
  },
  'broker-unfenced': (f) => withReason(`broker ${String(f['broker'])} unfenced`, f),
  'broker-controlled-shutdown': (f) => withReason(`broker ${String(f['broker'])} shutting down (controlled)`, f),
  'controller-elected': (f) => `node ${String(f['controller'] ?? f['node'])} is the active controller${num(f['term']) !== undefined ? ` (term ${String(f['term'])})` : ''}`,
  'leader-elected': (f) => leaderElected(f, false),
  'unclean-leader-elected': (f) => leaderElected(f, true),
  'isr-shrunk': (f) => isrChange(f, 'removed'),
  'isr-expanded': (f) => isrChange(f, 'added'),
  'producer-fenced': (f) => {
    let text = `producer ${String(f['producerId'])}`;
    if (str(f['transactionalId'])) text += ` (${String(f['transactionalId'])})`;
    text += ` fenced`;
    if (num(f['epoch']) !== undefined) text += `: epoch ${String(f['epoch'])}`;
    if (num(f['currentEpoch']) !== undefined) text += ` < current ${String(f['currentEpoch'])}`;
    const where = partitionName(f);
    return withReason(where ? `${where}: ${text}` : text, f);
  },
  'group-rebalanced': (f) => {
    const members = f['members'];
    let text = `group ${String(f['group'])} generation ${String(f['generation'])}`;
    if (Array.isArray(members)) text += `: ${members.length} member${members.length === 1 ? '' : 's'} ${list(members)}`;
    if (str(f['leader'])) text += `, leader ${String(f['leader'])}`;
    return withReason(text, f);
  },
};

/** The event's own line (without time, node and kind). */
export function eventText(kind: string, fields: Fields): string {
  const describe = describers[kind];
  if (describe) return describe(fields);
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/** The kinds this reader knows how to put into words. */
export const KNOWN_EVENT_KINDS: readonly string[] = Object.keys(describers);
