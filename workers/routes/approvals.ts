import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { routerStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";

const routerOf = (c: Context<AppEnv>) => routerStub(c.env, c.var.caller.tenant);

async function decide(c: Context<AppEnv>, approved: boolean) {
  const id = c.req.param("id")!;
  const outcome = await routerOf(c).decideApproval(id, approved);
  if (outcome === "not_found") throw new ApiError("NOT_FOUND", `no approval '${id}'`);
  if (outcome === "not_pending") throw new ApiError("CONFLICT", `approval '${id}' was already decided or has expired`);
  // The decision lives in the AlertRouter object: recorded once made there.
  await audited(c.env, c.var.caller.tenant.id, { actor: c.var.caller.actor, action: approved ? "approval.approve" : "approval.deny", target: `approval:${id}` });
  const [approval] = (await routerOf(c).approvals()).filter((a) => a.id === id);
  return c.json(approval);
}

/** Approval gates of workflow steps marked risky: people approve or deny them here, before they expire. */
export const approvalRoutes = new Hono<AppEnv>()
  .get("/", requireAccess("approval.read"), async (c) => {
    const { status } = parseOr400(z.object({ status: z.enum(["pending", "approved", "denied", "expired"]).optional() }), c.req.query(), "query");
    return c.json({ data: await routerOf(c).approvals(status), next_cursor: null });
  })
  .post("/:id/approve", requireAccess("approval.decide", "id"), (c) => decide(c, true))
  .post("/:id/deny", requireAccess("approval.decide", "id"), (c) => decide(c, false));
