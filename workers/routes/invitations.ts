import { Hono, type Context } from "hono";
import { z } from "zod";
import { hashPassword } from "../../src/auth/index.ts";
import { sha256Hex } from "../../src/hash.ts";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { d1 } from "../db/d1.ts";
import { audited } from "../audit.ts";
import { findUserByEmail, getTenant, type UserRow } from "../db/accounts.ts";
import type { TenantRow } from "../db/store.ts";
import { acceptInvitation, findInvitationByTokenHash, insertUser, newUserRow, rejoinUser, type InvitationRow } from "../db/users.ts";
import { ApiError } from "../errors.ts";
import { throttleByIp } from "../middleware/throttle.ts";
import { tenantJson, userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { startSession } from "../sessions.ts";
import { parseOr400 } from "../validate.ts";
import { Password } from "./auth.ts";

const Accept = z.strictObject({
  token: z.string({ error: "token is required" }).min(1, "token must not be empty").max(200),
  password: Password,
  name: z.string().trim().min(1).max(200).optional(),
});

/** Accepting an invitation (public: the token is the credential). */
/** A user removed from the tenant comes back through a new invitation: same id, the invited role, a new password. */
async function rejoin(c: Context<AppEnv>, invitation: InvitationRow, user: UserRow, tenant: TenantRow, input: { password: string; name?: string | undefined }, now: number) {
  const db = d1(c.env);
  const change = { role: invitation.role, passwordHash: await hashPassword(input.password), name: input.name ?? user.name };
  await audited(
    c.env,
    invitation.tenantId,
    { actor: `user:${user.id}`, action: "user.rejoin", target: `user:${user.id}`, data: { role: change.role, invitation: invitation.id } },
    [acceptInvitation(db, invitation.tenantId, invitation.id, now), rejoinUser(db, invitation.tenantId, user, change)],
  );
  const back: UserRow = { ...user, ...change, status: "active", sessionVersion: user.sessionVersion + 1, totpSecret: null, totpEnabled: false, totpLastStep: null, recoveryHashes: [] };
  const session = await startSession(c, back, ["pwd"]);
  return c.json({ user: userJson(back), tenant: tenantJson(tenant), session }, 201);
}

export const invitationRoutes = new Hono<AppEnv>().post("/accept", throttleByIp(), async (c) => {
  const input = parseOr400(Accept, await readJson(c), "body");
  const db = d1(c.env);
  const invitation = await findInvitationByTokenHash(db, await sha256Hex(input.token));
  if (!invitation) throw new ApiError("UNAUTHORIZED", "this invitation token is not valid");
  const now = Date.now();
  if (invitation.acceptedAt !== null) throw new ApiError("GONE", "this invitation has already been used; log in instead");
  if (invitation.expiresAt <= now) throw new ApiError("GONE", "this invitation has expired; ask for a new one");
  const existing = await findUserByEmail(db, invitation.email);
  const tenant = await getTenant(db, invitation.tenantId);
  if (!tenant) throw new ApiError("GONE", "the inviting tenant no longer exists");
  if (existing) {
    if (existing.user.tenantId !== invitation.tenantId || existing.user.status !== "removed") throw new ApiError("CONFLICT", "an account with this email already exists; log in instead");
    return rejoin(c, invitation, existing.user, tenant, input, now);
  }
  const user = newUserRow({ id: randomId("usr"), tenantId: invitation.tenantId, email: invitation.email, name: input.name ?? null, role: invitation.role, passwordHash: await hashPassword(input.password) }, now);
  try {
    await audited(
      c.env,
      invitation.tenantId,
      { actor: `user:${user.id}`, action: "user.join", target: `user:${user.id}`, data: { role: user.role, invitation: invitation.id }, personal: { subject: `user:${user.id}`, fields: { email: user.email, name: user.name } } },
      // A second accept of the same token (a race) fails on the email's uniqueness: one account per invitation.
      [acceptInvitation(db, invitation.tenantId, invitation.id, now), insertUser(db, user)],
    );
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw new ApiError("CONFLICT", "an account with this email already exists; log in instead");
    throw error;
  }
  const session = await startSession(c, user, ["pwd"]);
  return c.json({ user: userJson(user), tenant: tenantJson(tenant), session }, 201);
});
