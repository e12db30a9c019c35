import type { z } from "zod";
import { ApiError } from "./errors.ts";

/** Parses with a zod schema; on failure, a 400 listing every problem. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, where: "body" | "query" | "path"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join("."), message: issue.message }));
  throw new ApiError("VALIDATION", `invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors });
}
