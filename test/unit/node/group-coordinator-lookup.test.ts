import { describe, expect, it } from 'vitest';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { OFFSETS_TOPIC_NAME, partitionForGroup } from '../../../src/broker/group/index.js';
import type { CreateTopicRequest, CreateTopicResult } from '../../../src/controller/index.js';
import { applyRecords, EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/index.js';
import type { MetadataRecord } from '../../../src/metadata/records.js';
import { CoordinatorLookup } from '../../../src/node/group-coordinator-lookup.js';
import { expectRejects } from '../broker/group/harness.js';
import { register, topicWithPartitions, unfence } from '../metadata/fixtures.js';

const PARTITIONS = 4;
const GROUP = 'billing';
const GROUP_PARTITION = partitionForGroup(GROUP, PARTITIONS);

/** Live brokers 1..n on ports 9001.. (fixtures' endpoints). */
function brokers(n: number): MetadataRecord[] {
  return Array.from({ length: n }, (_, i) => [register(i + 1, i + 1), unfence(i + 1, i + 1)]).flat();
}

/** `__consumer_offsets` with `count` partitions, partition p led by `leaders(p)`. */
function offsetsTopic(count: number, leaders: (p: number) => number): MetadataRecord[] {
  const records = topicWithPartitions(OFFSETS_TOPIC_NAME, 'id-offsets', Array.from({ length: count }, () => [1, 2, 3]));
  return records.map((r) => (r.type === 'Partition' ? { ...r, leader: leaders(r.partition) } : r));
}

class Fixture {
  image: MetadataImage;
  readonly requests: CreateTopicRequest[] = [];
  /** What the controller answers; by default it creates the topic (the image then shows it). */
  answer: (request: CreateTopicRequest) => Promise<CreateTopicResult> = async (request) => {
    this.image = applyRecords(this.image, offsetsTopic(request.numPartitions!, () => 2), this.image.offset + 1).image;
    return { name: request.name, topicId: 'id-offsets' };
  };
  readonly lookup: CoordinatorLookup;

  constructor(records: MetadataRecord[]) {
    this.image = applyRecords(EMPTY_IMAGE, records, 1).image;
    this.lookup = new CoordinatorLookup({
      image: () => this.image,
      controller: {
        createTopics: (requests) => {
          this.requests.push(...requests);
          return Promise.all(requests.map((r) => this.answer(r)));
        },
      },
      waitForImage: async () => undefined,
      settings: { offsetsTopicNumPartitions: PARTITIONS, offsetsTopicReplicationFactor: 3 },
      createWaitMs: 1_000,
      logger: silentLogger(),
    });
  }
}

describe('FindCoordinator lookup', () => {
  it('creates __consumer_offsets once on the first lookups, then names the leader of the group partition', async () => {
    const f = new Fixture(brokers(3));
    const found = await Promise.all([f.lookup.find(GROUP), f.lookup.find('other'), f.lookup.find(GROUP)]);
    expect(f.requests).toEqual([
      {
        name: OFFSETS_TOPIC_NAME,
        numPartitions: PARTITIONS,
        replicationFactor: 3,
        configs: { 'min.insync.replicas': '2', 'cleanup.policy': 'compact', 'segment.bytes': String(100 * 1024 * 1024) },
      },
    ]);
    expect(found[0]).toEqual({ nodeId: 2, host: '127.0.0.1', port: 9002 });
    expect(found[2]).toEqual(found[0]);
  });

  it('caps the replication factor at the live brokers', async () => {
    const f = new Fixture(brokers(1));
    f.answer = async (request) => ({ name: request.name, error: errors.invalidReplicationFactor('not used') });
    await expectRejects(f.lookup.find(GROUP), 'COORDINATOR_NOT_AVAILABLE');
    expect(f.requests[0]).toMatchObject({ replicationFactor: 1, configs: { 'min.insync.replicas': '1' } });
  });

  it('tolerates a topic another node created first', async () => {
    const f = new Fixture(brokers(3));
    f.answer = async (request) => {
      f.image = applyRecords(f.image, offsetsTopic(PARTITIONS, () => 3), f.image.offset + 1).image;
      return { name: request.name, error: errors.topicAlreadyExists('raced') };
    };
    expect(await f.lookup.find(GROUP)).toEqual({ nodeId: 3, host: '127.0.0.1', port: 9003 });
  });

  it('answers COORDINATOR_NOT_AVAILABLE while the partition has no leader or the topic is not visible yet', async () => {
    const leaderless = new Fixture([...brokers(3), ...offsetsTopic(PARTITIONS, (p) => (p === GROUP_PARTITION ? -1 : 1))]);
    await expectRejects(leaderless.lookup.find(GROUP), 'COORDINATOR_NOT_AVAILABLE');
    expect(leaderless.requests).toEqual([]);

    const slow = new Fixture(brokers(3));
    slow.answer = async (request) => ({ name: request.name, topicId: 'id-offsets' });
    await expectRejects(slow.lookup.find(GROUP), 'COORDINATOR_NOT_AVAILABLE');
  });

  it('refuses a topic whose partition count differs from offsets.topic.num.partitions', async () => {
    const f = new Fixture([...brokers(3), ...offsetsTopic(PARTITIONS + 1, () => 1)]);
    const error = await expectRejects(f.lookup.find(GROUP), 'COORDINATOR_NOT_AVAILABLE');
    expect(error.message).toMatch(/offsets.topic.num.partitions/);
  });

  it('a controller failure is COORDINATOR_NOT_AVAILABLE, and the next lookup tries again', async () => {
    const f = new Fixture(brokers(3));
    f.answer = () => Promise.reject(errors.notController('electing'));
    await expectRejects(f.lookup.find(GROUP), 'COORDINATOR_NOT_AVAILABLE');
    f.answer = async (request) => {
      f.image = applyRecords(f.image, offsetsTopic(PARTITIONS, () => 1), f.image.offset + 1).image;
      return { name: request.name, topicId: 'id-offsets' };
    };
    expect(await f.lookup.find(GROUP)).toMatchObject({ nodeId: 1 });
    expect(f.requests).toHaveLength(2);
  });
});
