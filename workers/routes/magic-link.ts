import { Hono, type Context } from "hono";
import { z } from "zod";
import { createMagicLink, hashMagicToken, MAGIC_LINK_TTL_MS, verifyMagicLink } from "../../src/auth/index.ts";
import { buildMimeMessage, escapeHtml } from "../../src/channels/index.ts";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { d1 } from "../db/d1.ts";
import { audited } from "../audit.ts";
import { findUserByEmail, type UserRow } from "../db/accounts.ts";
import { challengeId, challengeOwner, findChallenge, insertChallengeQuery, liveChallenges, pruneChallenges, spendChallenge } from "../db/challenges.ts";
import { mailKey } from "../channels/send.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";
import { throttleByIp } from "../middleware/throttle.ts";
import { log } from "../log.ts";
import { credentialMailKey, sendMail } from "../mail.ts";
import { tenantJson, userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { relyingParty } from "../relying-party.ts";
import { clientPersonal, completeLogin, loginClient, loginRisk } from "../login-risk.ts";
import { parseOr400 } from "../validate.ts";
import { Email } from "./auth.ts";

// Login links by email. Asking for one always answers 202 (whether the account
// exists is not revealed, and the work happens after the answer so its timing
// does not tell either). A link holds a random token whose hash is stored; it
// works once, within 15 minutes.

/** At most this many unused links per user at a time: asking again does not mail-bomb anyone. */
const MAX_LIVE_LINKS = 5;
/** Where the copy of each login mail is kept in R2 (beside the tenant's channel mail). */
const MAIL_FOLDER = "login-links";

const LinkRequest = z.strictObject({ email: Email });
const Token = z.string({ error: "token is required" }).min(16, "token is too short").max(200, "token is too long").regex(/^[A-Za-z0-9_-]+$/, "token must be base64url");

async function mailLink(c: Context<AppEnv>, user: UserRow): Promise<void> {
  const db = d1(c.env);
  const now = Date.now();
  if ((await liveChallenges(db, user.tenantId, user.id, "magic_link", now)) >= MAX_LIVE_LINKS) {
    log("warn", "auth.magic_link_throttled", { tenant_id: user.tenantId, user_id: user.id });
    return;
  }
  const { token, record } = await createMagicLink(now);
  const id = challengeId("magic_link", record.token_hash);
  await audited(
    c.env,
    user.tenantId,
    { actor: "system", action: "auth.magic_link_sent", target: `user:${user.id}`, data: { expires_at: record.expires_at }, personal: { subject: `user:${user.id}`, fields: { email: user.email, ...clientPersonal(await loginClient(c)) } } },
    [insertChallengeQuery(db, { id, purpose: "magic_link", tenantId: user.tenantId, userId: user.id, secret: record.token_hash, createdAt: now, expiresAt: record.expires_at, usedAt: null })],
  );
  const link = `${relyingParty(c).origin}/v1/auth/magic-link/verify?token=${token}`;
  const minutes = MAGIC_LINK_TTL_MS / 60_000;
  const messageId = `${randomId("mlm")}@ayvlo.dev`;
  const from = readConfig(c.env).AYVLO_MAIL_FROM;
  const raw = buildMimeMessage({
    from: { email: from, name: "Ayvlo" },
    to: [{ email: user.email }],
    subject: "Your Ayvlo login link",
    text: `Log in to Ayvlo:\n\n${link}\n\nThe link works once, within ${minutes} minutes. If you did not ask for it, ignore this email.\n`,
    html: `<p><a href="${escapeHtml(link)}">Log in to Ayvlo</a></p><p>The link works once, within ${minutes} minutes. If you did not ask for it, ignore this email.</p>`,
    messageId,
    date: now,
  });
  await sendMail(c.env, from, [user.email], raw, credentialMailKey(c.env, mailKey(user.tenantId, MAIL_FOLDER, now, messageId)));
}

async function redeem(c: Context<AppEnv>, token: string) {
  const db = d1(c.env);
  const now = Date.now();
  const refused = new ApiError("UNAUTHORIZED", "this login link is not valid, already used or expired; ask for a new one (POST /v1/auth/magic-link)");
  const id = challengeId("magic_link", await hashMagicToken(token));
  const record = await findChallenge(db, id, "magic_link");
  if (!record || !record.tenantId || !record.userId) throw refused;
  const tenantId = record.tenantId;
  const userId = record.userId;
  const fail = async (reason: string): Promise<never> => {
    await audited(c.env, tenantId, { actor: "system", action: "auth.login_failed", target: `user:${userId}`, data: { method: "magic_link", reason }, personal: { subject: `user:${userId}`, fields: clientPersonal(await loginClient(c)) } });
    throw refused;
  };
  const check = await verifyMagicLink(token, { token_hash: record.secret, expires_at: record.expiresAt, consumed_at: record.usedAt }, now);
  if (!check.ok) return fail(check.reason);
  // Spent by one conditional write: of two clicks at once, one wins.
  if (!(await spendChallenge(db, id, "magic_link", now))) return fail("used");
  const owner = await challengeOwner(db, tenantId, userId);
  if (!owner || owner.user.status !== "active") return fail("inactive");
  // The link proves the mailbox: the risk is recorded, not acted on.
  const client = await loginClient(c);
  const risk = await loginRisk(d1(c.env), owner.user, client);
  const session = await completeLogin(c, owner.user, client, risk, ["email"], [], { method: "magic_link" });
  return c.json({ user: userJson(owner.user), tenant: tenantJson(owner.tenant), session });
}

export const magicLinkRoutes = new Hono<AppEnv>()
  .use(throttleByIp())
  .post("/", async (c) => {
    const input = parseOr400(LinkRequest, await readJson(c), "body");
    const db = d1(c.env);
    const found = await findUserByEmail(db, input.email);
    c.executionCtx.waitUntil(pruneChallenges(db, Date.now()).catch(() => undefined));
    if (found && found.user.status === "active") {
      const user = found.user;
      c.executionCtx.waitUntil(mailLink(c, user).catch((error: unknown) => log("error", "auth.magic_link_failed", { tenant_id: user.tenantId, user_id: user.id, error: String(error) })));
    }
    return c.json({ status: "accepted", detail: `if an account exists for this email, a login link is on its way; it works once, within ${MAGIC_LINK_TTL_MS / 60_000} minutes` }, 202);
  })
  // The link in the email (a click is a GET): sets the session cookies and answers JSON.
  .get("/verify", async (c) => redeem(c, parseOr400(z.strictObject({ token: Token }), c.req.query(), "query").token))
  .post("/verify", async (c) => redeem(c, parseOr400(z.strictObject({ token: Token }), await readJson(c), "body").token));
