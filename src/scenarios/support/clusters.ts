/** The temporary clusters scenarios start for themselves. */
import type { StartClusterOptions } from '../../../cluster/index.js';
import { STEADY_LEADERS } from '../../../cluster/presets.js';

/**
 * For scenarios that pause or delay brokers: the controller has a node of its own, so freezing
 * two brokers never takes the metadata quorum down with them.
 */
export const FAULT_CLUSTER: StartClusterOptions = {
  controllers: 1,
  brokers: 3,
  config: STEADY_LEADERS,
  readyTimeoutMs: 60_000,
  shutdownTimeoutMs: 3_000,
};

/** For scenarios that leave the brokers alone: three nodes with both roles, as `brokerlab up` starts. */
export const PLAIN_CLUSTER: StartClusterOptions = {
  nodes: 3,
  config: STEADY_LEADERS,
  readyTimeoutMs: 60_000,
  shutdownTimeoutMs: 3_000,
};
