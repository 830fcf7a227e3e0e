/**
 * Event trace helpers: a one-line description of each message for verbose replays, and a running
 * digest of the whole event sequence, so two runs of one seed can be compared cheaply.
 */
import type { Message } from '../raft/types.js';

export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} term=${m.term}`;
  switch (m.type) {
    case 'PreVote':
    case 'Vote':
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}`;
    case 'PreVoteResponse':
    case 'VoteResponse':
      return `${head} ${m.granted ? 'granted' : 'rejected'}`;
    case 'Append':
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} entries=${m.entries.length} commit=${m.commit}`;
    case 'AppendResponse':
      return m.success ? `${head} ok index=${m.index}` : `${head} reject index=${m.index} hint=${m.rejectHint}/${m.rejectHintTerm}`;
    case 'Heartbeat':
      return `${head} commit=${m.commit}`;
    case 'HeartbeatResponse':
      return head;
    case 'InstallSnapshot':
      return `${head} snapshot=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
  }
}

const MESSAGE_CODES: Record<Message['type'], number> = {
  PreVote: 1,
  PreVoteResponse: 2,
  Vote: 3,
  VoteResponse: 4,
  Append: 5,
  AppendResponse: 6,
  Heartbeat: 7,
  HeartbeatResponse: 8,
  InstallSnapshot: 9,
};

/** FNV-1a over a stream of small integers. */
export class Digest {
  private hash = 0x811c9dc5;

  add(value: number): void {
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
      this.hash = Math.imul(this.hash ^ (v & 0xff), 0x01000193) >>> 0;
      v >>>= 8;
    }
  }

  addMessage(m: Message): void {
    this.add(MESSAGE_CODES[m.type]);
    this.add(m.from);
    this.add(m.to);
    this.add(m.term);
  }

  hex(): string {
    return this.hash.toString(16).padStart(8, '0');
  }
}
