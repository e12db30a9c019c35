/**
 * The shape of an explanation, whoever wrote it (the template or an LLM).
 * LLM output is validated against this before it is stored or shown.
 */
import { z } from "zod";

const Text = z.string().trim().min(1).max(2_000);
const List = z.array(Text).max(10);

export const ExplanationSchema = z.object({
  summary: Text,
  likely_causes: z.array(z.object({ cause: Text, confidence: z.number().min(0).max(1) })).max(10),
  business_impact: z.object({
    summary: Text,
    revenue_estimate: z
      .object({
        amount: z.number().finite().nonnegative(),
        currency: z.string().regex(/^[A-Z]{3}$/),
        basis: Text,
      })
      .optional(),
  }),
  recommendations: z.object({ immediate: List, short_term: List, long_term: List }),
  views: z.object({ technical: Text, business: Text, executive: Text }),
  source: z.enum(["template", "anthropic", "openai"]),
});

export type Explanation = z.infer<typeof ExplanationSchema>;
export type ExplanationSource = Explanation["source"];
