/**
 * The server's join refusals reach the page with their own meaning: a full
 * room says so (instead of trying new names), and too many wrong passwords
 * says to wait (instead of "cannot reach the server").
 */
import { expect, it } from "vitest";
import { createRoom, openPage, waitJoined } from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";

const env = useBrowserEnv(["--limit", "maxMembersPerRoom=2", "--limit", "failedConnectsPerRoom=1"]);

it("says a room is full when it holds as many people as it can", async () => {
  const browser = await env.launch();
  const owner = await openPage(browser.context, `${env.secureOrigin}/`);
  const code = await createRoom(owner, { code: "full-room-1" });
  const guest = await openPage(browser.context, `${env.secureOrigin}/#/${code}`);
  await waitJoined(guest);

  const third = await openPage(browser.context, `${env.secureOrigin}/#/${code}`);
  const error = third.locator(".error-card");
  await error.waitFor();
  expect(await error.getAttribute("data-error")).toBe("room-full");
  expect(await error.locator("p").first().textContent()).toBe(
    "This room is full: as many people as it can hold are already in it. Ask for a new link.",
  );
});

it("says to wait after too many wrong passwords, and offers to try again", async () => {
  const browser = await env.launch();
  const owner = await openPage(browser.context, `${env.secureOrigin}/`);
  const code = await createRoom(owner, { code: "limited-room-1", password: "right" });
  const guest = await openPage(browser.context, `${env.secureOrigin}/#/${code}`);
  const password = guest.getByLabel("This room is protected. Enter its password:");
  await password.fill("wrong");
  await password.press("Enter");
  await guest.getByText("That password is wrong. Try again.").waitFor();
  await password.fill("wrong again");
  await password.press("Enter");

  const error = guest.locator(".error-card");
  await error.waitFor();
  expect(await error.getAttribute("data-error")).toBe("rate-limited");
  expect(await error.locator("p").first().textContent()).toMatch(
    /^The server is turning this page away for now: too many attempts .* Wait a few minutes, then try again\.$/,
  );
  await guest.getByRole("button", { name: "Try again" }).waitFor();
});
