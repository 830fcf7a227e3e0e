// The charts' figures from two scrapes of each node's /metrics.
import { describe, expect, it } from 'vitest';
import { combineRates, counterRate, totalsOf } from '../../../cluster/dashboard/rates.js';
import { parseExposition } from '../../../cluster/metrics/exposition.js';

const scrape = (messagesIn: number, bytesOut: number, lags: [string, string, string, number][] = []) =>
  parseExposition(
    [
      '# TYPE kafka_server_brokertopicmetrics_messagesin_total counter',
      `kafka_server_brokertopicmetrics_messagesin_total{node="1",topic="orders"} ${messagesIn - 1}`,
      'kafka_server_brokertopicmetrics_messagesin_total{node="1",topic="audit"} 1',
      `kafka_server_brokertopicmetrics_bytesout_total{node="1",topic="orders"} ${bytesOut}`,
      ...lags.map(([g, t, p, lag]) => `kafka_consumergroup_lag{node="1",consumergroup="${g}",topic="${t}",partition="${p}"} ${lag}`),
      '',
    ].join('\n'),
  ).samples;

describe('rates', () => {
  it('adds up a node\'s topics and keeps each group partition\'s lag', () => {
    const totals = totalsOf(scrape(101, 5000, [['billing', 'orders', '0', 7]]), 10);
    expect(totals).toMatchObject({ atMs: 10, messagesIn: 101, bytesOut: 5000 });
    expect([...totals.groupLag.values()]).toEqual([7]);
  });

  it('a counter that fell was reset by a restart: the increase counts from zero', () => {
    expect(counterRate(100, 300, 2000)).toBe(100);
    expect(counterRate(500, 40, 1000)).toBe(40);
    expect(counterRate(5, 9, 0)).toBe(0);
  });

  it('sums the nodes, reports a failed scrape, and counts a group partition reported twice once', () => {
    const before = totalsOf(scrape(100, 1000), 0);
    const after1 = totalsOf(scrape(300, 3000, [['billing', 'orders', '0', 7], ['billing', 'orders', '1', 3]]), 1000);
    const after2 = totalsOf(scrape(51, 0, [['billing', 'orders', '0', 9], ['audit', 'orders', '0', 1]]), 500);
    const before2 = totalsOf(scrape(1, 0), 0);
    const rates = combineRates(2000, [
      { id: 1, latest: after1, previous: before },
      { id: 2, latest: after2, previous: before2 },
      { id: 3, latest: new Error('GET http://127.0.0.1:1/metrics failed: ECONNREFUSED') },
      { id: 4, latest: after1 },
    ]);
    expect(rates.nodes).toEqual([
      { id: 1, messagesInPerSec: 200, bytesOutPerSec: 2000 },
      { id: 2, messagesInPerSec: 100, bytesOutPerSec: 0 },
      { id: 3, error: 'GET http://127.0.0.1:1/metrics failed: ECONNREFUSED' },
      { id: 4 },
    ]);
    expect(rates.messagesInPerSec).toBe(300);
    expect(rates.bytesOutPerSec).toBe(2000);
    expect(rates.groupLag).toEqual({ billing: 12, audit: 1 });
  });

  it('has no cluster rate before two scrapes of any node', () => {
    const rates = combineRates(1, [{ id: 1, latest: totalsOf(scrape(5, 5), 0) }]);
    expect(rates).not.toHaveProperty('messagesInPerSec');
    expect(rates.groupLag).toEqual({});
  });
});
