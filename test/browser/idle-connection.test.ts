/**
 * Chromium opens a spare connection ahead of time and sends nothing on it.
 * Once the server's request timeout passes, that connection must be closed
 * silently: a 400 written onto it was read later as the answer to the page's
 * next request.
 */
import { expect, it } from "vitest";
import { createRoom, openPage } from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";

const REQUEST_TIMEOUT_MS = 1_000;

const env = useBrowserEnv(["--limit", `httpRequestTimeoutMs=${REQUEST_TIMEOUT_MS}`]);

it("answers the page's requests after it sat idle longer than the request timeout", async () => {
  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/`);
  await page.waitForTimeout(3 * REQUEST_TIMEOUT_MS);
  const code = await createRoom(page, { code: "idle-page-room-1" });
  // The page adds two secret words to the chosen room name.
  expect(code).toMatch(/^idle-page-room-1-[a-z]+-[a-z]+$/);
  await page.waitForTimeout(3 * REQUEST_TIMEOUT_MS);
  const lookup = await page.evaluate(async (name) => {
    const response = await fetch(`/rooms/${name}`, { headers: { Accept: "application/json" } });
    return { status: response.status, body: await response.json() };
  }, "idle-page-room-1");
  expect(lookup).toEqual({
    status: 200,
    body: { webSocketUri: expect.stringMatching(/^ws:\/\//), hasPassword: false },
  });
});
