import { join } from "node:path";
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

it("sends files from one browser to another through a room made on the home page", async () => {
  const dir = await useTempDir();
  const files = [join(dir, "photo.jpg"), join(dir, "notes with spaces.txt")];
  await writeRandomFile(files[0] as string, 3 * 1024 * 1024 + 17);
  await writeRandomFile(files[1] as string, 1000);

  const alice = await env.launch();
  const bob = await env.launch();
  const alicePage = await openPage(alice.context, `${env.secureOrigin}/`);
  const code = await createRoom(alicePage);
  expect(code).toMatch(/^\d+-[a-z]+-[a-z]+-[a-z]+$/);
  await saveScreenshot(alicePage, "room-created.png");

  const bobPage = await openPage(bob.context, `${env.secureOrigin}/#/${code}`);
  await waitJoined(bobPage);
  const bobName = await ownName(bobPage);
  await waitForMember(alicePage, bobName);
  await sendFiles(alicePage, bobName, files);

  await waitForTransfers(bobPage, "receive", 2);
  await waitForTransfers(alicePage, "send", 2);
  await saveScreenshot(bobPage, "browser-received.png");
  // A secure context (loopback) streams to the origin-private file system.
  const rows = bobPage.locator(".transfer");
  for (const row of await rows.all()) {
    expect(await row.getAttribute("data-sink")).toBe("disk");
    expect(await row.locator(".transfer-status").textContent()).toBe("Received, SHA-256 verified.");
  }
  const received = await saveAll(bobPage);
  expect(received).toEqual(
    new Map([
      ["photo.jpg", await sha256File(files[0] as string)],
      ["notes with spaces.txt", await sha256File(files[1] as string)],
    ]),
  );
});
