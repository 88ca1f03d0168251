// What every browser test shares: Debian's chromium, launched for a closed network, and a screenshot of several
// pages side by side.
import { chromium } from "playwright-core";

/** Root in a closed network: no sandbox, and none of Chromium's own background connections. */
export const launch = (extraArgs = []) => chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", ...extraArgs],
});

/** One PNG of the pages next to each other, each at its own viewport's size. */
export async function screenshotSideBySide(browser, pages, path) {
  const { width, height } = pages[0].viewportSize();
  const shots = await Promise.all(pages.map(page => page.screenshot()));
  const sheet = await browser.newPage({ viewport: { width: width * pages.length, height } });
  await sheet.setContent(`<body style="margin:0;display:flex">${shots.map(s => `<img style="width:${width}px" src="data:image/png;base64,${s.toString("base64")}">`).join("")}</body>`);
  await sheet.waitForFunction(() => [...document.images].every(image => image.complete && image.naturalWidth > 0));
  await sheet.screenshot({ path });
}
