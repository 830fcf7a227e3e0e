// The port choice of a new cluster, against a pretend machine: which ports are busy is injected,
// so the 9092 preference is tested without ever binding 9092.
import { describe, expect, it } from 'vitest';
import { InvalidClusterOptionError } from '../../../cluster/plan.js';
import { planPorts, systemPortProbe, type PortProbe } from '../../../cluster/port-plan.js';
import { PortUnavailableError } from '../../../cluster/ports.js';

/** A machine where `busy` ports are taken and free ports are handed out from 40000 up. */
function machine(busy: readonly number[] = [], firstFree = 40000): PortProbe & { asked: number[][] } {
  let next = firstFree;
  const asked: number[][] = [];
  return {
    asked,
    firstBusy: async (ports) => {
      asked.push([...ports]);
      return ports.find((p) => busy.includes(p));
    },
    free: async (count) => Array.from({ length: count }, () => next++),
  };
}

describe('choosing the ports of a new cluster', () => {
  it('gives brokers 9092, 9093, ... when `up` prefers them and all are free', async () => {
    const plan = await planPorts({ nodeCount: 3, brokerCount: 3, preferDefaultKafkaPorts: true }, machine());
    expect(plan).toEqual({ grpc: [40000, 40001, 40002], kafka: [9092, 9093, 9094], metrics: [40003, 40004, 40005], notes: [] });
  });

  it('falls back to free ports, and says so, when any of them is busy', async () => {
    const plan = await planPorts({ nodeCount: 3, brokerCount: 3, preferDefaultKafkaPorts: true }, machine([9093]));
    expect(plan.kafka).toEqual([40003, 40004, 40005]);
    expect(plan.grpc).toEqual([40000, 40001, 40002]);
    expect(plan.notes).toEqual(['Kafka ports 9092-9094 are busy (9093 is in use); using free ports']);
    const single = await planPorts({ nodeCount: 1, brokerCount: 1, preferDefaultKafkaPorts: true }, machine([9092]));
    expect(single.notes).toEqual(['Kafka port 9092 is busy (9092 is in use); using free ports']);
  });

  it('never looks at 9092 unless asked: startCluster takes free ports only', async () => {
    const probe = machine();
    const plan = await planPorts({ nodeCount: 3, brokerCount: 3 }, probe);
    expect(plan).toEqual({ grpc: [40000, 40001, 40002], kafka: [40003, 40004, 40005], metrics: [40006, 40007, 40008], notes: [] });
    expect(probe.asked).toEqual([]);
    // --kafka-port-base 0 asks for free ports even from `up`.
    expect((await planPorts({ nodeCount: 2, brokerCount: 2, kafkaPortBase: 0, preferDefaultKafkaPorts: true }, machine())).kafka).toEqual([40002, 40003]);
  });

  it('numbers Kafka ports by broker, so controller-only nodes take none', async () => {
    const plan = await planPorts({ nodeCount: 5, brokerCount: 2, preferDefaultKafkaPorts: true }, machine());
    expect(plan.grpc).toHaveLength(5);
    expect(plan.kafka).toEqual([9092, 9093]);
  });

  it('puts Kafka ports at P+100, P+101, ... with --port-base P, and at K, K+1, ... with --kafka-port-base K', async () => {
    expect(await planPorts({ nodeCount: 3, brokerCount: 3, portBase: 19000, preferDefaultKafkaPorts: true }, machine())).toEqual({
      grpc: [19000, 19001, 19002],
      kafka: [19100, 19101, 19102],
      metrics: [19200, 19201, 19202],
      notes: [],
    });
    expect(await planPorts({ nodeCount: 2, brokerCount: 2, kafkaPortBase: 29092 }, machine())).toEqual({
      grpc: [40000, 40001],
      kafka: [29092, 29093],
      metrics: [40002, 40003],
      notes: [],
    });
    expect((await planPorts({ nodeCount: 2, brokerCount: 2, portBase: 19000, kafkaPortBase: 0 }, machine())).kafka).toEqual([40000, 40001]);
  });

  it('refuses fixed ports that are busy, out of range or overlapping, naming them', async () => {
    await expect(planPorts({ nodeCount: 2, brokerCount: 2, kafkaPortBase: 29092 }, machine([29093]))).rejects.toThrow(
      new PortUnavailableError(29093, 'already in use'),
    );
    await expect(planPorts({ nodeCount: 2, brokerCount: 2, portBase: 19000 }, machine([19101]))).rejects.toThrow(/port 19101 on 127\.0\.0\.1 is not available/);
    await expect(planPorts({ nodeCount: 3, brokerCount: 3, kafkaPortBase: 65534 }, machine())).rejects.toThrow(
      '--kafka-port-base must leave room for 3 ports below 65536, got 65534',
    );
    await expect(planPorts({ nodeCount: 1, brokerCount: 1, portBase: 65500 }, machine())).rejects.toThrow(InvalidClusterOptionError);
    await expect(planPorts({ nodeCount: 3, brokerCount: 3, portBase: 19000, kafkaPortBase: 19002 }, machine())).rejects.toThrow(
      'the gRPC ports (--port-base) and the Kafka ports (--kafka-port-base) overlap at 19002',
    );
  });

  it('keeps free ports clear of the fixed ones, even when the kernel offers one', async () => {
    // The "kernel" hands out 19000 first: it is free, but --port-base already took it.
    const plan = await planPorts({ nodeCount: 2, brokerCount: 2, portBase: 19000, kafkaPortBase: 0 }, machine([], 19000));
    expect(plan.grpc).toEqual([19000, 19001]);
    expect(plan.kafka).toEqual([19002, 19003]);
  });

  it('gives nodes metrics ports 9404, 9405, ... when `up` prefers them and all are free, else free ports with a note', async () => {
    const preferred = await planPorts({ nodeCount: 3, brokerCount: 3, preferDefaultKafkaPorts: true, preferDefaultMetricsPorts: true }, machine());
    expect(preferred.metrics).toEqual([9404, 9405, 9406]);
    const busy = await planPorts({ nodeCount: 3, brokerCount: 3, preferDefaultMetricsPorts: true }, machine([9405]));
    expect(busy.metrics).toEqual([40006, 40007, 40008]);
    expect(busy.notes).toEqual(['metrics ports 9404-9406 are busy (9405 is in use); using free ports']);
    // Controller-only nodes serve metrics too: one port per node.
    expect((await planPorts({ nodeCount: 5, brokerCount: 2 }, machine())).metrics).toHaveLength(5);
  });

  it('puts metrics ports at M, M+1, ... with --metrics-port-base M, refusing busy or overlapping ones', async () => {
    expect((await planPorts({ nodeCount: 2, brokerCount: 2, metricsPortBase: 29404, preferDefaultMetricsPorts: true }, machine())).metrics).toEqual([29404, 29405]);
    expect((await planPorts({ nodeCount: 2, brokerCount: 2, metricsPortBase: 0, preferDefaultMetricsPorts: true }, machine())).metrics).toEqual([40004, 40005]);
    await expect(planPorts({ nodeCount: 2, brokerCount: 2, metricsPortBase: 29404 }, machine([29405]))).rejects.toThrow(new PortUnavailableError(29405, 'already in use'));
    await expect(planPorts({ nodeCount: 3, brokerCount: 3, portBase: 19000, metricsPortBase: 19101 }, machine())).rejects.toThrow(
      'the metrics ports (--metrics-port-base) overlap the gRPC or Kafka ports at 19101',
    );
  });

  it('on the real machine: distinct free ports for everything', async () => {
    const plan = await planPorts({ nodeCount: 3, brokerCount: 3 }, systemPortProbe);
    expect(new Set([...plan.grpc, ...plan.kafka, ...plan.metrics]).size).toBe(9);
  });
});
