// The chat page in a real browser: two pages as #coop and #gordon exchange direct and room messages through castd,
// a message carrying HTML shows as text, and both pages end up in one screenshot.
// Usage: node chat-page.mjs <castd http base url> <screenshot.png>
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const [base, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  // Root in a closed network: no sandbox, and none of Chromium's own background connections.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
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
  const shots = [await coop.screenshot(), await gordon.screenshot()];
  const sheet = await browser.newPage({ viewport: { width: 1600, height: 420 } });
  await sheet.setContent(`<body style="margin:0;display:flex">${shots.map(s => `<img style="width:800px" src="data:image/png;base64,${s.toString("base64")}">`).join("")}</body>`);
  await sheet.waitForFunction(() => [...document.images].every(image => image.complete && image.naturalWidth > 0));
  await sheet.screenshot({ path: screenshot });
  console.log(`chat page ok; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
