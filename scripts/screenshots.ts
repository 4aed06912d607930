// Screenshots of the main screens, light and dark, for the README and for review.
// Usage: npx tsx scripts/screenshots.ts BASE_URL PASSWORD OUT_DIR
import { chromium } from "@playwright/test";
import path from "node:path";

const [base = "http://localhost:3000", password = process.env.FLEET_ADMIN_PASSWORD ?? "", out = "docs"] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  for (const scheme of ["light", "dark"] as const) {
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/login`);
    await page.screenshot({ path: path.join(out, `login-${scheme}.png`) });
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Topology" }).waitFor();
    await page.getByTestId("live-status").getByText("Live").waitFor();
    await page.waitForTimeout(7000); // a few stats samples for the sparklines
    await page.screenshot({ path: path.join(out, scheme === "light" ? "topology.png" : "topology-dark.png"), fullPage: true });
    for (const tab of ["users", "tokens", "audit"]) {
      await page.goto(`${base}/settings?tab=${tab}`);
      await page.getByRole("tabpanel").waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(out, `settings-${tab}-${scheme}.png`), fullPage: true });
    }
    await page.close();
  }
} finally {
  await browser.close();
}
