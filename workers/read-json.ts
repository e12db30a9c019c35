import type { Context } from "hono";
import { ApiError } from "./errors.ts";

/** The request body as JSON, or a 400 that says why it is not. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw new ApiError("VALIDATION", "the request body is empty", { errors: [{ path: "", message: "expected a JSON body" }] });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError("VALIDATION", "the request body is not valid JSON", { errors: [{ path: "", message: error instanceof Error ? error.message : "invalid JSON" }] });
  }
}
