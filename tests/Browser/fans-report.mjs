// castload report's HTML in a real browser: every chart is drawn (a visible line with points), the summary says how
// many fans lagged, and the page is kept as a screenshot.
// Usage: node fans-report.mjs <report.html> <screenshot.png> <expected fans ever lagged>
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { launch } from "./chromium.mjs";

const [report, screenshot, lagged] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const requests = [];
  page.on("request", request => { if (!request.url().startsWith("file:")) requests.push(request.url()); });
  await page.goto(pathToFileURL(report).href);
  for (const id of ["chart-bitrate", "chart-spread", "chart-fans", "chart-latency"]) {
    const drawn = await page.$eval(`#${id}`, svg => [...svg.querySelectorAll("polyline.series")].map(line => {
      const box = line.getBBox();
      return { points: line.points.numberOfItems, width: box.width, visible: getComputedStyle(line).stroke !== "none" };
    }));
    assert.ok(drawn.length > 0, `${id} has no series`);
    assert.ok(drawn.some(line => line.points >= 2 && line.width > 100 && line.visible), `${id} draws no line: ${JSON.stringify(drawn)}`);
  }
  const laggedRow = await page.locator("#summary tr", { hasText: "fans ever lagged" }).locator("td.n").textContent();
  assert.equal(laggedRow, lagged, "fans ever lagged");
  assert.deepEqual(requests, [], "the report loaded something from outside its file");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`fans report ok; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
