/**
 * Node settings for clusters whose story needs leaders to stay where they are unless the story
 * moves them: no automatic move back to the preferred replica, and a broker session long enough
 * that a busy machine does not fence a live broker in the middle of it. Scenarios and
 * replication tests start their clusters with these.
 */
export const STEADY_LEADERS: Readonly<Record<string, number>> = {
  'leader.imbalance.check.interval.ms': 3_600_000,
  'broker.session.timeout.ms': 3_000,
};
