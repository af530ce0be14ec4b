// Opens GraphiQL, an invitation page and a password reset page in headless Chromium
// (Debian's, driven by playwright-core) and fails unless the editor renders, a query
// runs with the Authorization header from the headers pane, the reset form posts
// (CSRF cookie and all) and sets the password, no request leaves the service's
// origin, and no page breaks a Content-Security-Policy rule. Screenshots go to the
// folder given.
// Usage: node check.mjs BASE_URL ACCESS_TOKEN INVITATION_PATH RESET_PATH OUT_DIR
import { chromium } from "playwright-core";

const usage = "usage: node check.mjs BASE_URL ACCESS_TOKEN INVITATION_PATH RESET_PATH OUT_DIR";
const [base, accessToken, invitationPath, resetPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error(usage);
  process.exit(2);
}
const origin = new URL(base).origin;
const problems = [];

function watch(page, name) {
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.origin !== origin) {
      problems.push(`${name}: a request left the origin: ${request.url()}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) {
      problems.push(`${name}: CSP violation: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`${name}: script error: ${error.message}`));
}

// Sets the text of the visible CodeMirror editor inside `selector`.
async function setEditor(page, selector, text) {
  await page.locator(`${selector} .CodeMirror:visible`).first().waitFor();
  await page.evaluate(
    ([selector, text]) => {
      const editors = [...document.querySelectorAll(`${selector} .CodeMirror`)];
      editors.find((editor) => editor.offsetParent !== null).CodeMirror.setValue(text);
    },
    [selector, text],
  );
}

async function graphiql(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  watch(page, "GraphiQL");
  await page.goto(`${base}/graphql`, { waitUntil: "networkidle" });
  await page.locator(".graphiql-container .graphiql-query-editor .CodeMirror").waitFor({ timeout: 20000 });
  await setEditor(page, ".graphiql-query-editor", "query Me {\n  me {\n    username\n    isSuperuser\n  }\n}\n");
  await page.getByRole("button", { name: /headers/i }).first().click();
  // The tool area holds the variables editor, then the headers editor.
  await setEditor(page, ".graphiql-editor-tool .graphiql-editor:nth-child(2):not(.hidden)", JSON.stringify({ Authorization: `Bearer ${accessToken}` }, null, 2));
  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response .CodeMirror");
  try {
    await response.filter({ hasText: '"username": "admin"' }).waitFor({ timeout: 20000 });
  } finally {
    await page.screenshot({ path: `${outDir}/graphiql.png` });
  }
  await page.close();
}

async function invitation(browser) {
  const page = await phonePage(browser, "invitation page", invitationPath);
  await page.getByRole("button", { name: "Create account and accept" }).waitFor();
  const font = await page.evaluate(() => getComputedStyle(document.querySelector("button")).fontWeight);
  if (font !== "600") problems.push(`invitation page: the stylesheet did not apply (button weight ${font})`);
  await page.screenshot({ path: `${outDir}/invitation.png`, fullPage: true });
  await page.close();
}

// Opens a page behind an email link on a phone-sized screen; problems go to the list.
async function phonePage(browser, name, path) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  watch(page, name);
  const response = await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
  if (response.status() !== 200) problems.push(`${name}: HTTP ${response.status()}`);
  if (response.headers()["referrer-policy"] !== "no-referrer") problems.push(`${name}: no Referrer-Policy`);
  return page;
}

async function resetPassword(browser) {
  const page = await phonePage(browser, "reset page", resetPath);
  const save = page.getByRole("button", { name: "Save the new password" });
  await save.waitFor();
  const inputs = await page.locator("input[type=password]").evaluateAll((all) =>
    all.map((input) => `${input.autocomplete} ${input.minLength} ${input.required}`),
  );
  if (inputs.join() !== "new-password 10 true,new-password 10 true") {
    problems.push(`reset page: password inputs are ${JSON.stringify(inputs)}`);
  }
  await page.screenshot({ path: `${outDir}/reset-password.png`, fullPage: true });
  const password = "a new password typed in Chromium";
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("The same password again").fill(`${password}!`);
  await save.click();
  await page.getByText("The two passwords differ").waitFor();
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("The same password again").fill(password);
  await page.getByRole("button", { name: "Save the new password" }).click();
  await page.getByText("Your new password is set").waitFor();
  if ((await page.content()).includes(password)) problems.push("reset page: the password is in the page");
  await page.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  await graphiql(browser);
  await invitation(browser);
  await resetPassword(browser);
} catch (error) {
  problems.push(String(error && error.stack ? error.stack : error));
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(`browser check FAILED:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`browser check passed; screenshots in ${outDir}`);
