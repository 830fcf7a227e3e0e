/**
 * The vocabulary of our Raft: entries, hard state, snapshots, messages, and the `Ready` batch the
 * pure core hands to its driver. Follows etcd-io/raft: the core never does I/O; the driver
 * persists `Ready.entries`, `Ready.hardState` and `Ready.snapshot` durably *before* it sends
 * `Ready.messages`, then applies `Ready.committed` and calls `advance()`.
 */

export type NodeId = number;
/** No node: no vote cast, no leader known. Node ids are positive. */
export const NONE: NodeId = 0;

export type EntryType = 'normal' | 'noop';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Application payload (a metadata record batch for the controller); empty for a no-op. */
  readonly data: Uint8Array;
}

/** What must survive a crash: the current term, the vote cast in it, and the commit index seen. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers. */
  readonly index: number;
  readonly term: number;
  readonly membership: Membership;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application's serialized state at `meta.index`. */
  readonly data: Uint8Array;
}

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** (Pre)vote request: `term` is the term the candidate would campaign in. */
export interface VoteRequest extends MessageBase {
  readonly type: 'PreVote' | 'Vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteResponse extends MessageBase {
  readonly type: 'PreVoteResponse' | 'VoteResponse';
  readonly granted: boolean;
}

export interface AppendRequest extends MessageBase {
  readonly type: 'Append';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponse extends MessageBase {
  readonly type: 'AppendResponse';
  readonly success: boolean;
  /** On success: the follower's last index matching the leader. On rejection: the index probed. */
  readonly index: number;
  /** On rejection, for fast back-off: the follower's hint of where the logs may agree, and that entry's term. */
  readonly rejectHint: number;
  readonly rejectHintTerm: number;
}

export interface HeartbeatRequest extends MessageBase {
  readonly type: 'Heartbeat';
  readonly commit: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: 'HeartbeatResponse';
}

export interface InstallSnapshotRequest extends MessageBase {
  readonly type: 'InstallSnapshot';
  readonly snapshot: Snapshot;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | InstallSnapshotRequest;

export type MessageType = Message['type'];

export type Role = 'follower' | 'candidate' | 'precandidate' | 'leader' | 'learner';

/** Volatile facts a driver or a UI wants to watch; not persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** Everything the core asks its driver to do, in order: persist, then send, then apply. */
export interface Ready {
  /** Set when the hard state changed and must be persisted. */
  readonly hardState?: HardState;
  /** Entries to persist; they replace any persisted entries at the same or later indexes. */
  readonly entries: readonly Entry[];
  /** A snapshot to persist (received from the leader); the log before it is discarded. */
  readonly snapshot?: Snapshot;
  /** Messages to send once the above is durable. */
  readonly messages: readonly Message[];
  /** Entries newly known committed, in index order, to apply to the state machine. */
  readonly committed: readonly Entry[];
  /** Set when leader or role changed. */
  readonly softState?: SoftState;
}

/** What a node starts from: what its storage recovered. */
export interface RaftInitialState {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /** Persisted entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

/**
 * Durable storage for one Raft node, file-backed in real processes and in memory in the simulation.
 * Every method resolves only once the data is durable (fsynced for files).
 */
export interface RaftStorage {
  load(): Promise<RaftInitialState>;
  /** Appends entries, first dropping any persisted entries at index >= entries[0].index. */
  append(entries: readonly Entry[]): Promise<void>;
  setHardState(state: HardState): Promise<void>;
  /** Saves a snapshot and discards log entries at or below its index. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** Sends messages to peers; delivery is best-effort (Raft tolerates loss, duplication, reordering). */
export interface RaftTransport {
  send(message: Message): void;
  onMessage(handler: (message: Message) => void): void;
  /**
   * Optional: hears that an established connection to `peer` broke (its process may have died).
   * A hint that speeds up elections, never needed for safety.
   */
  onPeerLost?(handler: (peer: NodeId) => void): void;
}
