import { Hono } from "hono";
import { z } from "zod";
import { hashPassword } from "../../src/auth/index.ts";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { findUserByEmail } from "../db/accounts.ts";
import { insertTenant } from "../db/account-security.ts";
import { d1 } from "../db/d1.ts";
import { insertUser, newUserRow } from "../db/users.ts";
import { ApiError } from "../errors.ts";
import { throttleByIp } from "../middleware/throttle.ts";
import { tenantJson, userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { startSession } from "../sessions.ts";
import { parseOr400 } from "../validate.ts";
import { insertLoginEvent } from "../db/logins.ts";
import { loginClient, setDeviceCookie } from "../login-risk.ts";
import { requireUser } from "../middleware/auth.ts";
import { login, logout, me, refresh } from "./login.ts";
import { totpRoutes } from "./totp.ts";

export const Email = z.email({ error: "email must be an email address" }).max(254, "email must be at most 254 characters").transform((e) => e.toLowerCase());
export const Password = z.string({ error: "password is required" }).min(12, "password must be at least 12 characters").max(256, "password must be at most 256 characters");

const Signup = z.strictObject({
  email: Email,
  password: Password,
  tenant_name: z.string({ error: "tenant_name is required" }).trim().min(1, "tenant_name must not be empty").max(200, "tenant_name must be at most 200 characters"),
  name: z.string().trim().min(1).max(200).optional(),
  region: z.enum(["us", "eu"], { error: 'region must be "us" or "eu"' }).default("us"),
});

/** Accounts: signup (a tenant and its owner), and the session routes. */
export const authRoutes = new Hono<AppEnv>().post("/signup", throttleByIp(), async (c) => {
  const input = parseOr400(Signup, await readJson(c), "body");
  const db = d1(c.env);
  if (await findUserByEmail(db, input.email)) throw new ApiError("CONFLICT", "an account with this email already exists; log in instead");
  const now = Date.now();
  const tenant = { id: randomId("ten"), name: input.tenant_name, region: input.region, plan: "free" as const, createdAt: now };
  const user = newUserRow({ id: randomId("usr"), tenantId: tenant.id, email: input.email, name: input.name ?? null, role: "owner", passwordHash: await hashPassword(input.password) }, now);
  try {
    await audited(
      c.env,
      tenant.id,
      [
        { actor: `user:${user.id}`, action: "tenant.create", target: `tenant:${tenant.id}`, data: { region: tenant.region, plan: tenant.plan } },
        { actor: `user:${user.id}`, action: "user.signup", target: `user:${user.id}`, data: { role: "owner" }, personal: { subject: `user:${user.id}`, fields: { email: user.email, name: user.name } } },
      ],
      [insertTenant(db, tenant), insertUser(db, user)],
    );
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw new ApiError("CONFLICT", "an account with this email already exists; log in instead");
    throw error;
  }
  // The signup's device and place are the first entry of the login history.
  const client = await loginClient(c);
  await insertLoginEvent(db, { id: randomId("lgn"), tenantId: tenant.id, userId: user.id, at: now, ip: client.ip, country: client.country, city: client.city, latitude: client.latitude, longitude: client.longitude, deviceFingerprint: client.fingerprint, method: "signup", risk: 0 });
  setDeviceCookie(c, client);
  const session = await startSession(c, user, ["pwd"]);
  return c.json({ user: userJson(user), tenant: tenantJson(tenant), session }, 201);
})
  .post("/login", throttleByIp(), login)
  .post("/refresh", throttleByIp(), refresh)
  .post("/logout", requireUser(), logout)
  .get("/me", requireUser(), me)
  .route("/totp", totpRoutes);
