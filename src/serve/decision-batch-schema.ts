import { z } from 'zod';

/** A batch of decision requests (each checked by validateDecisionRequest). */
export const decisionBatchSchema = z.object({ requests: z.array(z.unknown()).min(1).max(1000) }).strict();
