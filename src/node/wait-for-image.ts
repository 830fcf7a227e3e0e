/** A bounded wait for the local metadata image to satisfy a condition. */
import type { Clock } from '../common/clock.js';
import type { MetadataImage } from '../metadata/index.js';
import type { MetadataPublisher } from './metadata-publisher.js';

/** Resolves once `predicate(image)` holds or `timeoutMs` passes, whichever comes first. */
export function waitForImage(publisher: MetadataPublisher, clock: Clock, predicate: (image: MetadataImage) => boolean, timeoutMs: number): Promise<void> {
  if (predicate(publisher.image())) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      off();
      timer.cancel();
      resolve();
    };
    const off = publisher.onAdvance(() => {
      if (predicate(publisher.image())) finish();
    });
    const timer = clock.schedule(timeoutMs, finish);
  });
}
