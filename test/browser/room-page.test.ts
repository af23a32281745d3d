import { createHash } from "node:crypto";
import { open as openFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page, WebSocketRoute } from "playwright-core";
import { expect, it } from "vitest";
import {
  createRoom,
  openPage,
  ownName,
  saveAll,
  sendFiles,
  waitForMember,
  waitForTransfers,
  waitJoined,
} from "../helpers/browser.js";
import { saveScreenshot } from "../helpers/browser-artifacts.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

it("says so when a code names no room, and when it cannot be a code at all", async () => {
  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/#/7-nosuch-acid-acorn`);
  const error = page.locator(".error-card");
  await error.waitFor();
  expect(await error.getAttribute("data-error")).toBe("room-not-found");
  // Only the room part: the secret words are never shown as a room name.
  expect(await error.textContent()).toContain('There is no room "7-nosuch"');
  await saveScreenshot(page, "unknown-code.png");

  await page.goto(`${env.secureOrigin}/#/ab`);
  await page.locator(".error-card[data-error=bad-code]").waitFor();
  await page.getByRole("link", { name: "Create a new room" }).click();
  await page.getByRole("button", { name: "Create room" }).waitFor();
});

it("shows an error page for a damaged link, and never shows a code that is not one", async () => {
  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/#/%E0%A4%A`);
  const uncaught: Error[] = [];
  page.on("pageerror", (error) => uncaught.push(error));
  await page.reload();
  const error = page.locator(".error-card[data-error=bad-code]");
  await error.waitFor();
  expect(await error.textContent()).toContain("This link does not hold a room code");
  expect(uncaught).toEqual([]);

  await page.goto(`${env.secureOrigin}/#/x%3B%20curl%20http%3A%2F%2Fevil.example%7Csh`);
  await page.locator(".error-card[data-error=bad-code]").waitFor();
  expect(await page.locator("body").textContent()).not.toContain("curl");
  expect(await page.title()).not.toContain("curl");
  await page.getByRole("link", { name: "Create a new room" }).click();
  await page.getByRole("button", { name: "Create room" }).waitFor();
});

it("asks for the password of a protected room, refuses a wrong one, and works on a plain-http LAN origin", async () => {
  const dir = await useTempDir();
  const source = join(dir, "secret.bin");
  await writeRandomFile(source, 2 * 1024 * 1024 + 3);
  const browser = await env.launch();
  // The LAN origin is not a secure context: no crypto.subtle, no origin-private file system.
  const owner = await openPage(browser.context, `${env.lanOrigin}/`);
  expect(await owner.evaluate(() => window.isSecureContext)).toBe(false);
  const code = await createRoom(owner, { code: "locked-room-42", password: "open sesame" });
  // The chosen name is the room; the page adds two secret words.
  expect(code).toMatch(/^locked-room-42-[a-z]+-[a-z]+$/);
  // No Clipboard API outside a secure context: the page falls back, and says so.
  await owner.getByRole("button", { name: "Copy link" }).click();
  expect(await owner.locator(".copy-status").textContent()).toMatch(
    /^(Copied\.|The link is selected)/,
  );

  const guest = await openPage(browser.context, `${env.lanOrigin}/#/${code}`);
  const password = guest.getByLabel("This room is protected. Enter its password:");
  await password.fill("wrong guess");
  await password.press("Enter");
  await guest.getByText("That password is wrong. Try again.").waitFor();
  await guest.getByLabel("This room is protected. Enter its password:").fill("open sesame");
  await guest.getByRole("button", { name: "Join" }).click();
  await waitJoined(guest);

  await waitForMember(owner, await ownName(guest));
  await sendFiles(owner, await ownName(guest), [source]);
  await waitForTransfers(guest, "receive", 1);
  await waitForTransfers(owner, "send", 1);
  expect(await guest.locator(".transfer-status").first().textContent()).toBe(
    "Received, SHA-256 verified.",
  );
  // No origin-private file system outside a secure context: chunks are collected in memory.
  expect(await guest.locator(".transfer").first().getAttribute("data-sink")).toBe("memory");
  expect(await saveAll(guest)).toEqual(new Map([["secret.bin", await sha256File(source)]]));
});

it("tells the receiver when the sender leaves mid-transfer", async () => {
  const dir = await useTempDir();
  const source = join(dir, "big.bin");
  const file = await openFile(source, "w");
  await file.truncate(1024 * 1024 * 1024);
  await file.close();
  const senderBrowser = await env.launch();
  const receiverBrowser = await env.launch();
  const sender = await openPage(senderBrowser.context, `${env.secureOrigin}/`);
  const code = await createRoom(sender);
  const receiver = await openPage(receiverBrowser.context, `${env.secureOrigin}/#/${code}`);
  await waitJoined(receiver);
  await sendFiles(sender, await waitForMember(sender), [source]);
  await receiver.locator(".transfer[data-state=active]").waitFor();
  await sender.close();
  const failed = receiver.locator(".transfer[data-state=failed] .transfer-status");
  await failed.waitFor({ timeout: 30_000 });
  expect(await failed.textContent()).toMatch(/left before the transfer finished/);
  await receiver.locator(".member").waitFor({ state: "detached" });
  await saveScreenshot(receiver, "peer-left.png");
});

it("works from the keyboard alone, and takes files dropped onto a person", async () => {
  const dir = await useTempDir();
  const chosen = join(dir, "chosen by keyboard.txt");
  await writeRandomFile(chosen, 50_000);
  const browser = await env.launch();
  const owner = await openPage(browser.context, `${env.secureOrigin}/`);
  // Listening early turns on Playwright's file-chooser interception well before the key press.
  const chooserOpened = owner.waitForEvent("filechooser", { timeout: 0 });
  await owner.keyboard.press("Tab");
  expect(await owner.evaluate(() => document.activeElement?.id)).toBe("room-code");
  await owner.keyboard.type("keyboard-room");
  await owner.keyboard.press("Tab");
  await owner.keyboard.press("Tab");
  await owner.keyboard.press("Enter");
  await waitJoined(owner);

  const code = await owner.getByTestId("room-code").textContent();
  expect(code).toMatch(/^keyboard-room-[a-z]+-[a-z]+$/);
  const guest = await openPage(browser.context, `${env.secureOrigin}/#/${code}`);
  await waitJoined(guest);
  await waitForMember(owner);
  // The owner's tab is behind the guest's; a person would switch back to it.
  await owner.bringToFront();
  await tabTo(owner, "Send files…");
  await owner.keyboard.press("Enter");
  const chooser = await chooserOpened;
  await chooser.setFiles(chosen);

  // A drop of a file made in the page (the bytes 0..250 repeated).
  await waitForMember(guest);
  await guest.evaluate(() => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
    const files = new DataTransfer();
    files.items.add(new File([bytes], "dropped.bin"));
    const drop = new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true });
    document.querySelector(".member")?.dispatchEvent(drop);
  });
  await waitForTransfers(guest, "receive", 1);
  await waitForTransfers(owner, "receive", 1);
  expect(await saveAll(guest)).toEqual(
    new Map([["chosen by keyboard.txt", await sha256File(chosen)]]),
  );
  const dropped = Buffer.from(Uint8Array.from({ length: 100_000 }, (_, i) => i % 251));
  expect(await saveAll(owner)).toEqual(
    new Map([["dropped.bin", createHash("sha256").update(dropped).digest("hex")]]),
  );
});

/** Presses Tab until the focused element's text is `text`, as a keyboard user would. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let presses = 0; presses < 20; presses += 1) {
    await page.keyboard.press("Tab");
    if ((await page.evaluate(() => document.activeElement?.textContent)) === text) return;
  }
  throw new Error(`no focusable element "${text}" within 20 tabs`);
}

it("rejoins after losing the server connection and keeps its transfers", async () => {
  const dir = await useTempDir();
  const [first, second] = [join(dir, "before.bin"), join(dir, "after.bin")];
  await writeRandomFile(first, 30_000);
  await writeRandomFile(second, 40_000);
  const browser = await env.launch();
  const sender = await openPage(browser.context, `${env.secureOrigin}/`);
  const code = await createRoom(sender);
  const receiver = await browser.context.newPage();
  const sockets: WebSocketRoute[] = [];
  await receiver.routeWebSocket(/.*/, (socket) => {
    socket.connectToServer();
    sockets.push(socket);
  });
  await receiver.goto(`${env.secureOrigin}/#/${code}`);
  await waitJoined(receiver);
  const receiverName = await ownName(receiver);
  await sendFiles(sender, await waitForMember(sender, receiverName), [first]);
  await waitForTransfers(receiver, "receive", 1);

  await sockets[0]?.close();
  await receiver.locator(".room[data-state=disconnected]").waitFor();
  await receiver.getByRole("button", { name: "Rejoin" }).click();
  await waitJoined(receiver);
  expect(await receiver.locator(".transfer").count()).toBe(1);
  await sendFiles(sender, await waitForMember(sender, await ownName(receiver)), [second]);
  await waitForTransfers(receiver, "receive", 2);
  expect(await saveAll(receiver)).toEqual(
    new Map([
      ["before.bin", await sha256File(first)],
      ["after.bin", await sha256File(second)],
    ]),
  );
});
