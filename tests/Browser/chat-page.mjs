// The chat page in a real browser: two pages as #coop and #gordon exchange direct and room messages through castd,
// a message carrying HTML shows as text, and both pages end up in one screenshot.
// Usage: node chat-page.mjs <castd http base url> <screenshot.png>
import assert from "node:assert/strict";
import { launch, screenshotSideBySide } from "./chromium.mjs";

const [base, screenshot] = process.argv.slice(2);
const browser = await launch();
try {
  const open = async handle => {
    const page = await browser.newPage({ viewport: { width: 800, height: 420 } });
    page.on("dialog", dialog => { throw new Error(`a dialog opened on ${handle}'s page: ${dialog.message()}`); });
    await page.goto(`${base}/#${handle}`);
    await page.locator("#status").filter({ hasText: `connected as ${handle}` }).waitFor();
    return page;
  };
  const logHas = (page, text) => page.locator("#log li").filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
  const coop = await open("coop");
  const gordon = await open("gordon");

  await coop.fill("#recipient", "gordon");
  await coop.fill("#direct-message", "hello gordon");
  await coop.press("#direct-message", "Enter");
  await logHas(gordon, "coop → gordon: hello gordon");
  await logHas(coop, "message sent with success");

  const hostile = "<img src=x onerror=alert(1)>";
  await gordon.fill("#recipient", "coop");
  await gordon.fill("#direct-message", hostile);
  await gordon.press("#direct-message", "Enter");
  await logHas(coop, `gordon → coop: ${hostile}`);
  assert.equal(await coop.locator("#log img").count(), 0, "the message was rendered as HTML");

  for (const page of [coop, gordon]) {
    await page.click("#join");
    await logHas(page, "joined zato01");
  }
  await coop.locator("#members li").filter({ hasText: "gordon" }).waitFor();
  await coop.fill("#room-message", "kick-off!");
  await coop.press("#room-message", "Enter");
  await logHas(gordon, "[zato01] coop: kick-off!");

  // One picture of both pages, side by side.
  await screenshotSideBySide(browser, [coop, gordon], screenshot);
  console.log(`chat page ok; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
