import { z } from 'zod';

/** What the nightly job keeps between runs (docs/nightly.md, "State between runs"). */
export const stateConfig = z.object({
  /**
   * Days an edition's private picks and run summary are kept (`paperboy report` reads the
   * summaries); older ones are removed at the end of a night, unless the edition still has mail
   * waiting in its outbox.
   */
  keepDays: z.number().int().min(1).default(30),
});
