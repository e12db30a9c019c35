import { Hono } from "hono";
import { z } from "zod";
import { buildMimeMessage } from "../../src/channels/index.ts";
import { sha256Hex } from "../../src/hash.ts";
import { randomId } from "../../src/ids.ts";
import { base64UrlEncode } from "../../src/audit/index.ts";
import { ROLES } from "../../src/policy/index.ts";
import type { AppEnv } from "../app-env.ts";
import { d1 } from "../db/d1.ts";
import { audited } from "../audit.ts";
import { credentialMailKey, sendMail } from "../mail.ts";
import { findUserByEmail, getUser, type UserRow } from "../db/accounts.ts";
import { activeOwners, eraseUser, insertInvitation, invitationsFor, listUsers, removeUser, setUserRole } from "../db/users.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { revokeAllSessions } from "../sessions.ts";
import { parseOr400 } from "../validate.ts";
import { Email } from "./auth.ts";

export const INVITATION_TTL_MS = 7 * 86_400_000;
/** Who invitation mail comes from. */

const Role = z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` });
const Invite = z.strictObject({ email: Email, role: Role });
const ChangeRole = z.strictObject({ role: Role });

/** The user, in this tenant and not erased, or 404. */
async function member(c: { env: Env; var: AppEnv["Variables"] }, id: string): Promise<UserRow> {
  const user = await getUser(d1(c.env), c.var.caller.tenant.id, id);
  if (!user || user.status === "erased") throw new ApiError("NOT_FOUND", `no user '${id}'`);
  return user;
}

/** Refuses a change that would leave the tenant without an active owner. */
async function keepAnOwner(env: Env, tenantId: string, user: UserRow): Promise<void> {
  if (user.role !== "owner" || user.status !== "active") return;
  const owners = await activeOwners(d1(env), tenantId);
  if (owners.length <= 1) throw new ApiError("CONFLICT", "this is the tenant's last owner; make someone else owner first");
}

function invitationMail(from: string, to: string, tenantName: string, role: string, token: string, id: string, now: number): string {
  const text = `You have been invited to join ${tenantName} on Ayvlo as ${role}.\n\nAccept with POST /v1/auth/invitations/accept and this token (valid 7 days):\n\n${token}\n`;
  return buildMimeMessage({
    from: { email: from, name: "Ayvlo" },
    to: [{ email: to }],
    subject: `Join ${tenantName} on Ayvlo`,
    text,
    html: `<p>You have been invited to join <b>${escape(tenantName)}</b> on Ayvlo as ${role}.</p><p>Your invitation token (valid 7 days):</p><pre>${token}</pre>`,
    messageId: `${id}@ayvlo.dev`,
    date: now,
  });
}
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The people of the caller's tenant: roles, removal, invitations and erasure. */
export const userRoutes = new Hono<AppEnv>()
  .get("/", requireAccess("user.read"), async (c) => {
    const rows = await listUsers(d1(c.env), c.var.caller.tenant.id);
    return c.json({ data: rows.filter((u) => u.status !== "erased").map(userJson) });
  })
  .post("/invitations", requireAccess("user.invite"), async (c) => {
    const input = parseOr400(Invite, await readJson(c), "body");
    const caller = c.var.caller;
    if (input.role === "owner" && caller.role !== "owner") throw new ApiError("FORBIDDEN", "only an owner may invite an owner");
    const db = d1(c.env);
    const existing = await findUserByEmail(db, input.email);
    // Someone removed from this tenant may be invited back; any other account with the email may not.
    if (existing && !(existing.user.tenantId === caller.tenant.id && existing.user.status === "removed")) throw new ApiError("CONFLICT", "an account with this email already exists");
    const now = Date.now();
    const token = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
    const row = { id: randomId("inv"), tenantId: caller.tenant.id, email: input.email, role: input.role, tokenHash: await sha256Hex(token), invitedBy: caller.actor, createdAt: now, expiresAt: now + INVITATION_TTL_MS, acceptedAt: null };
    await audited(
      c.env,
      caller.tenant.id,
      { actor: caller.actor, action: "user.invite", target: `invitation:${row.id}`, data: { role: row.role }, personal: { subject: `invitation:${row.id}`, fields: { email: row.email } } },
      [insertInvitation(db, row)],
    );
    const from = readConfig(c.env).AYVLO_MAIL_FROM;
    await sendMail(c.env, from, [row.email], invitationMail(from, row.email, caller.tenant.name, row.role, token, row.id, now), credentialMailKey(c.env, `mail/${caller.tenant.id}/invitations/${new Date(now).toISOString()}_${row.id}.eml`));
    // The token is shown once (and mailed); only its hash is kept.
    return c.json({ id: row.id, email: row.email, role: row.role, expires_at: new Date(row.expiresAt).toISOString(), token }, 201);
  })
  .get("/:id", requireAccess("user.read", "id"), async (c) => c.json(userJson(await member(c, c.req.param("id")))))
  .patch("/:id", requireAccess("user.update", "id"), async (c) => {
    const input = parseOr400(ChangeRole, await readJson(c), "body");
    const caller = c.var.caller;
    const user = await member(c, c.req.param("id"));
    if ((input.role === "owner" || user.role === "owner") && caller.role !== "owner") throw new ApiError("FORBIDDEN", "only an owner may grant or take away the owner role");
    if (input.role !== "owner") await keepAnOwner(c.env, caller.tenant.id, user);
    if (input.role !== user.role) {
      await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "user.update", target: `user:${user.id}`, data: { role: input.role, previous_role: user.role } }, [setUserRole(d1(c.env), caller.tenant.id, user.id, input.role)]);
    }
    return c.json(userJson({ ...user, role: input.role }));
  })
  .delete("/:id", requireAccess("user.remove", "id"), async (c) => {
    const caller = c.var.caller;
    const user = await member(c, c.req.param("id"));
    if (user.role === "owner" && caller.role !== "owner") throw new ApiError("FORBIDDEN", "only an owner may remove an owner");
    await keepAnOwner(c.env, caller.tenant.id, user);
    if (user.status === "active") {
      await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "user.remove", target: `user:${user.id}` }, [removeUser(d1(c.env), caller.tenant.id, user), revokeAllSessions(c.env, caller.tenant.id, user.id)]);
    }
    return c.body(null, 204);
  })
  .post("/:id/erase", requireAccess("user.erase", "id"), async (c) => {
    const caller = c.var.caller;
    const user = await member(c, c.req.param("id"));
    await keepAnOwner(c.env, caller.tenant.id, user);
    const db = d1(c.env);
    const invitations = await invitationsFor(db, caller.tenant.id, user.email);
    // One batch: the person's data goes and the entry saying so lands, or neither. The entry names no one.
    await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "user.erased", target: `user:${user.id}` }, eraseUser(db, caller.tenant.id, user, invitations.map((i) => i.id), Date.now()));
    return c.body(null, 204);
  });
