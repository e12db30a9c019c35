/**
 * Evaluates a policy condition against a request.
 *
 * Attribute paths walk own properties of plain objects only (`subject.constructor`
 * and `resource.labels.length` are missing). `subject.role_rank` is derived: viewer 1 … owner 4.
 * A comparison whose attribute (or referenced operand) is missing is false —
 * including `ne` — so "unknown" never satisfies a comparison; wrap it in `not`
 * or test `exists` to say what a missing attribute should mean.
 * Ordering comparisons need two numbers or two strings. `in` asks whether the
 * attribute is one of a list; `contains` whether an attribute list holds the
 * value or an attribute string holds the substring.
 */
import { globMatch } from "./glob.ts";
import type { AccessRequest } from "./request.ts";
import { roleRank } from "./roles.ts";
import { DAYS, type Condition } from "./schema.ts";

const MISSING = Symbol("missing");
type Value = unknown;

/** Reads a dotted attribute path from the request, or MISSING. */
export function readAttribute(request: AccessRequest, path: string): Value | typeof MISSING {
  const [root, ...rest] = path.split(".");
  let current: unknown = root === "subject" ? request.subject : root === "resource" ? request.resource : root === "environment" ? request.environment : MISSING;
  if (root === "subject" && rest.length === 1 && rest[0] === "role_rank") return roleRank(request.subject.role);
  for (const key of rest) {
    if (current === null || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, key)) return MISSING;
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined ? MISSING : current;
}

/** True when the condition holds for the request. */
export function evaluateCondition(condition: Condition, request: AccessRequest): boolean {
  switch (condition.op) {
    case "and":
      return condition.of.every((c) => evaluateCondition(c, request));
    case "or":
      return condition.of.some((c) => evaluateCondition(c, request));
    case "not":
      return !evaluateCondition(condition.of, request);
    case "exists": {
      const v = readAttribute(request, condition.attr);
      return v !== MISSING && v !== null;
    }
    case "time_window":
      return inTimeWindow(condition, readAttribute(request, condition.attr));
    default: {
      const left = readAttribute(request, condition.attr);
      const value = condition.value;
      const right = value !== null && typeof value === "object" && !Array.isArray(value) ? readAttribute(request, value.attr) : value;
      if (left === MISSING || right === MISSING) return false;
      return compare(condition.op, left, right);
    }
  }
}

function compare(op: string, left: Value, right: Value): boolean {
  switch (op) {
    case "eq":
      return sameScalar(left, right);
    case "ne":
      return !sameScalar(left, right);
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      const comparable = (typeof left === "number" && typeof right === "number" && !Number.isNaN(left) && !Number.isNaN(right)) || (typeof left === "string" && typeof right === "string");
      if (!comparable) return false;
      const l = left as number | string;
      const r = right as number | string;
      return op === "lt" ? l < r : op === "lte" ? l <= r : op === "gt" ? l > r : l >= r;
    }
    case "in":
      return Array.isArray(right) && right.some((item) => sameScalar(left, item));
    case "contains":
      if (Array.isArray(left)) return left.some((item) => sameScalar(item, right));
      return typeof left === "string" && typeof right === "string" && left.includes(right);
    case "starts_with":
      return typeof left === "string" && typeof right === "string" && left.startsWith(right);
    case "matches":
      return typeof left === "string" && typeof right === "string" && globMatch(right, left);
    default:
      return false;
  }
}

function sameScalar(a: Value, b: Value): boolean {
  const scalar = (x: Value) => x === null || typeof x === "string" || typeof x === "number" || typeof x === "boolean";
  return scalar(a) && scalar(b) && a === b;
}

type Window = Extract<Condition, { op: "time_window" }>;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether epoch-milliseconds `at` falls in the weekly window (see TimeWindowConditionSchema). */
export function inTimeWindow(window: Window, at: unknown): boolean {
  if (typeof at !== "number" || !Number.isFinite(at)) return false;
  const sign = window.utc_offset.startsWith("-") ? -1 : 1;
  const local = new Date(at + sign * minutes(window.utc_offset.slice(1)) * 60_000);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const day = local.getUTCDay();
  const open = (d: number) => window.days.includes(DAYS[((d % 7) + 7) % 7]!);
  const from = minutes(window.from);
  const to = minutes(window.to);
  if (from < to) return open(day) && minute >= from && minute < to;
  // Wraps past midnight: the evening part belongs to today, the morning part to the day before.
  return (open(day) && minute >= from) || (open(day - 1) && minute < to);
}
