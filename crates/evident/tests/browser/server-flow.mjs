// The team server in Debian's headless Chromium, driven by playwright-core:
// an owner signs in with a TOTP code, sees the dashboard, invites an editor,
// signs out; the editor enrols a password and an authenticator from the
// invitation page and signs in; the owner makes a token and revokes it, then
// signs out everywhere. Screenshots of the sign-in page and the dashboard at
// phone and desktop width go to SHOTS. Prints what it saw as JSON.
//
// node server-flow.mjs BASE EMAIL PASSWORD OTPAUTH_URI RECOVERY_CODE SHOTS

import { chromium } from "playwright-core";
import crypto from "node:crypto";

const [base, email, password, uri, recovery, shots] = process.argv.slice(2);

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

// RFC 6238 with SHA-1, 30-second steps, six digits.
function totp(secret, ahead = 0) {
  const counter = Math.floor(Date.now() / 1000 / 30) + ahead;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac("sha1", base32(secret)).update(msg).digest();
  const o = mac[19] & 0x0f;
  const bin = mac.readUInt32BE(o) & 0x7fffffff;
  return String(bin % 1000000).padStart(6, "0");
}

const secretOf = (u) => new URL(u).searchParams.get("secret");
const seen = {};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});

async function signIn(page, who, pass, code) {
  await page.goto(`${base}/app/sign-in`);
  await page.fill('input[name="email"]', who);
  await page.fill('input[name="password"]', pass);
  await page.fill('input[name="totp"]', code);
  await page.click('button[type="submit"]');
  await page.waitForLoadState();
}

try {
  // Phone width: the sign-in page and, signed in with a recovery code, the dashboard.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p = await phone.newPage();
  await p.goto(`${base}/app/`);
  seen.anonymous_lands_on = new URL(p.url()).pathname;
  await p.screenshot({ path: `${shots}/sign-in-phone.png`, fullPage: true });
  await signIn(p, email, password, recovery);
  seen.phone_dashboard = new URL(p.url()).pathname;
  seen.phone_heading = await p.textContent("h1");
  await p.screenshot({ path: `${shots}/dashboard-phone.png`, fullPage: true });
  seen.phone_scrolls_sideways = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

  // Desktop width: sign in with the authenticator.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const d = await desk.newPage();
  await d.goto(`${base}/app/sign-in`);
  await d.screenshot({ path: `${shots}/sign-in-desktop.png`, fullPage: true });
  await signIn(d, email, password, totp(secretOf(uri)));
  seen.desktop_heading = await d.textContent("h1");
  seen.dashboard_sections = await d.$$eval("h2", (hs) => hs.map((h) => h.textContent.trim()));
  await d.screenshot({ path: `${shots}/dashboard-desktop.png`, fullPage: true });

  // Invite an editor from the People page.
  await d.goto(`${base}/app/users`);
  await d.fill('input[name="email"]', "new.editor@example.com");
  await d.selectOption('select[name="role"]', "editor");
  await d.click('form.stack button[type="submit"]');
  const link = (await d.textContent("code.secret")).trim();
  seen.invitation = link.startsWith("/app/enrol?invite=");

  // The owner signs out; the editor enrols in a fresh browser.
  await d.goto(`${base}/app/`);
  await d.click('button[value="here"]');
  await d.waitForLoadState();
  seen.after_sign_out = new URL(d.url()).pathname;
  const res = await d.goto(`${base}/app/`);
  seen.after_sign_out_dashboard = new URL(d.url()).pathname;

  const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const e = await fresh.newPage();
  await e.goto(`${base}${link}`);
  seen.enrol_heading = await e.textContent("h1");
  seen.enrol_has_qr = (await e.getAttribute("img.qr", "src") || "").startsWith("data:image/svg+xml;base64,");
  const key = (await e.textContent("code.secret")).trim();
  await e.fill('input[name="password"]', "an editor's long passphrase");
  await e.fill('input[name="totp"]', totp(key));
  await e.click('button[type="submit"]');
  await e.waitForLoadState();
  seen.enrolled_heading = await e.textContent("h1");
  seen.recovery_codes = await e.$$eval("ul.codes li", (l) => l.length);
  // The enrolment used this step's code: the next step's signs in.
  await signIn(e, "new.editor@example.com", "an editor's long passphrase", totp(key, 1));
  seen.editor_dashboard = new URL(e.url()).pathname;
  const refused = await e.goto(`${base}/app/tokens`);
  seen.editor_tokens_status = refused.status();

  // The owner again (with another recovery code path: the phone session), makes a token and revokes it.
  await p.goto(`${base}/app/tokens`);
  await p.fill('input[name="name"]', "ci-main");
  await p.selectOption('select[name="role"]', "editor");
  await p.fill('input[name="controls"]', "BACKUP");
  await p.click('form.stack button[type="submit"]');
  seen.token_shown = (await p.textContent("code.secret")).trim().startsWith("evident_");
  await p.goto(`${base}/app/tokens`);
  seen.token_listed = (await p.textContent("tbody")).includes("ci-main");
  await p.click('tbody button:has-text("Revoke")');
  await p.waitForLoadState();
  seen.token_revoked = (await p.textContent("tbody")).includes("revoked");
  await p.click('button[value="everywhere"]');
  await p.waitForLoadState();
  seen.signed_out_everywhere = new URL(p.url()).pathname;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
