// Opens GraphiQL and an invitation page in headless Chromium (Debian's, driven by
// playwright-core) and fails unless the editor renders, a query runs with the
// Authorization header from the headers pane, no request leaves the service's
// origin, and the page breaks no Content-Security-Policy rule. Screenshots go to
// the folder given. Usage: node check.mjs BASE_URL ACCESS_TOKEN INVITATION_PATH OUT_DIR
import { chromium } from "playwright-core";

const [base, accessToken, invitationPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node check.mjs BASE_URL ACCESS_TOKEN INVITATION_PATH OUT_DIR");
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
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  watch(page, "invitation page");
  const response = await page.goto(`${base}${invitationPath}`, { waitUntil: "networkidle" });
  if (response.status() !== 200) problems.push(`invitation page: HTTP ${response.status()}`);
  if (response.headers()["referrer-policy"] !== "no-referrer") problems.push("invitation page: no Referrer-Policy");
  await page.getByRole("button", { name: "Create account and accept" }).waitFor();
  const font = await page.evaluate(() => getComputedStyle(document.querySelector("button")).fontWeight);
  if (font !== "600") problems.push(`invitation page: the stylesheet did not apply (button weight ${font})`);
  await page.screenshot({ path: `${outDir}/invitation.png`, fullPage: true });
  await page.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  await graphiql(browser);
  await invitation(browser);
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
