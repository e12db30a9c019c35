/**
 * zod schemas for attribute-based policies and for the requests they judge.
 *
 * A policy: `{ id, effect, priority, actions, resources, condition? }`.
 * - `actions`: globs over `resource.verb` (`rule.*`, `*.read`, `*`).
 * - `resources`: globs over `<type>:<id>` (`rule:*`, `anomaly:an_1`, `*`); a
 *   request on a collection (creating a rule) has an empty id, `rule:`.
 * - `condition`: an expression tree (see Condition below); absent means always.
 */
import { z } from "zod";

/** A dotted attribute path rooted at `subject`, `resource` or `environment`. */
export const AttrPathSchema = z.string().regex(/^(subject|resource|environment)(\.[A-Za-z_][A-Za-z0-9_]*)+$/, "an attribute path like subject.role or environment.now");

const Scalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);
/** A literal a comparison compares with, or another attribute (`{ attr: "resource.owner_id" }`). */
export const OperandSchema = z.union([Scalar, z.array(z.union([z.string().max(1024), z.number()])).max(256), z.object({ attr: AttrPathSchema }).strict()]);

export const COMPARISONS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "matches"] as const;
export type Comparison = (typeof COMPARISONS)[number];

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "HH:MM, 00:00 to 24:00");
const UTC_OFFSET = z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, "a UTC offset like +02:00");
const DAY = z.enum(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);

/** The days of the week, in JavaScript's getUTCDay order. */
export const DAYS = DAY.options;

export const ComparisonConditionSchema = z.object({ op: z.enum(COMPARISONS), attr: AttrPathSchema, value: OperandSchema }).strict();
export const ExistsConditionSchema = z.object({ op: z.literal("exists"), attr: AttrPathSchema }).strict();
/**
 * A weekly time window in a fixed UTC offset, e.g. weekdays 09:00–18:00 at +02:00.
 * `from` is inclusive, `to` exclusive; `from > to` wraps past midnight and then
 * `days` name the day the window opens. The time is read from `attr`
 * (epoch milliseconds, default `environment.now`).
 */
export const TimeWindowConditionSchema = z
  .object({ op: z.literal("time_window"), days: z.array(DAY).min(1).max(7).default([...DAYS]), from: HHMM, to: HHMM, utc_offset: UTC_OFFSET.default("+00:00"), attr: AttrPathSchema.default("environment.now") })
  .strict()
  .refine((w) => w.from !== w.to, "from and to must differ");

/** A condition: and / or / not over comparisons, `exists` and time windows. */
export type Condition =
  | { op: "and"; of: Condition[] }
  | { op: "or"; of: Condition[] }
  | { op: "not"; of: Condition }
  | z.infer<typeof ComparisonConditionSchema>
  | z.infer<typeof ExistsConditionSchema>
  | z.output<typeof TimeWindowConditionSchema>;

/** The condition tree, recursive. Depth and size are bounded by PolicySchema. */
export const ConditionSchema: z.ZodType<Condition, unknown> = z.lazy(() =>
  z.union([
    z.object({ op: z.literal("and"), of: z.array(ConditionSchema).min(1).max(32) }).strict(),
    z.object({ op: z.literal("or"), of: z.array(ConditionSchema).min(1).max(32) }).strict(),
    z.object({ op: z.literal("not"), of: ConditionSchema }).strict(),
    ComparisonConditionSchema,
    ExistsConditionSchema,
    TimeWindowConditionSchema,
  ]),
);

const ActionGlob = z.string().regex(/^[a-z_*?]+(\.[a-z_*?]+)?$/, "an action glob like rule.* or *.read");
const ResourceGlob = z.string().min(1).max(256).regex(/^[A-Za-z0-9_*?:.\-]+$/, "a resource glob like rule:* or anomaly:an_1");

export const MAX_CONDITION_DEPTH = 8;
export const MAX_CONDITION_NODES = 64;

/** One attribute-based policy. */
export const PolicySchema = z
  .object({
    id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/),
    description: z.string().max(500).optional(),
    effect: z.enum(["allow", "deny"]),
    priority: z.number().int().min(-1000).max(1000).default(0),
    actions: z.array(ActionGlob).min(1).max(64),
    resources: z.array(ResourceGlob).min(1).max(64).default(["*"]),
    condition: ConditionSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.condition && conditionDepth(p.condition) > MAX_CONDITION_DEPTH) ctx.addIssue({ code: "custom", path: ["condition"], message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep` });
    if (p.condition && conditionSize(p.condition) > MAX_CONDITION_NODES) ctx.addIssue({ code: "custom", path: ["condition"], message: `a condition has at most ${MAX_CONDITION_NODES} nodes` });
  });

/** A validated policy. */
export type Policy = z.output<typeof PolicySchema>;

/** A tenant's policy set: ids are unique. */
export const PolicySetSchema = z
  .array(PolicySchema)
  .max(500)
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate policy id ${p.id}` });
      seen.add(p.id);
    });
  });

/** How deep a condition tree nests (a leaf is 1). */
export function conditionDepth(c: Condition): number {
  if (c.op === "and" || c.op === "or") return 1 + Math.max(...c.of.map(conditionDepth));
  if (c.op === "not") return 1 + conditionDepth(c.of);
  return 1;
}

/** How many nodes a condition tree has. */
export function conditionSize(c: Condition): number {
  if (c.op === "and" || c.op === "or") return 1 + c.of.reduce((n, x) => n + conditionSize(x), 0);
  if (c.op === "not") return 1 + conditionSize(c.of);
  return 1;
}
