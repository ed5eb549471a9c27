import { z } from 'zod';

/** Options of a `static` source: the YAML file that declares its principals and groups. */
export const staticOptionsSchema = z.object({ file: z.string().min(1) }).strict();
export type StaticOptions = z.infer<typeof staticOptionsSchema>;
