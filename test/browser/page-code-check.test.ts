/**
 * The page as sender proves the code to kad receive like kad send does: a
 * room made on the page has secret words (in the displayed code and the
 * link's fragment), and no metadata goes before the receiver proved them.
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  createRoom,
  openPage,
  sendFiles,
  waitForMember,
  waitForTransfers,
} from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { useTempDir } from "../helpers/temp-dir.js";

const env = useBrowserEnv();

async function roomWithFile(name: string) {
  const dir = await useTempDir();
  const source = join(dir, name);
  await writeRandomFile(source, 300_001);
  const output = join(dir, "received");
  await mkdir(output);
  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/`);
  const code = await createRoom(page);
  return { source, output, page, code };
}

it("page -> kad receive: the page's code has secret words, kad receive verifies the sender and does not warn", async () => {
  const { source, output, page, code } = await roomWithFile("proved.bin");
  expect(code).toMatch(/^\d+-[a-z]+-[a-z]+-[a-z]+$/);
  const [room, secret] = [
    code.split("-").slice(0, 2).join("-"),
    code.split("-").slice(2).join("-"),
  ];
  expect(await page.getByTestId("room-link").textContent()).toBe(
    `${env.secureOrigin}/#/${room}/${secret}`,
  );
  expect(await page.locator(".share-panel code").textContent()).toContain(` ${code}`);
  const receiver = watchKad(
    env.kad(["receive", "--server", env.secureOrigin, "--json", "-o", output, code]),
  );
  await sendFiles(page, await waitForMember(page), [source]);
  await waitForTransfers(page, "send", 1);
  expect(await receiver.exited).toBe(0);
  expect(receiver.events.filter((event) => event.event === "warning")).toEqual([]);
  expect(await sha256File(join(output, "proved.bin"))).toBe(await sha256File(source));
});

it("page -> kad receive with a wrong secret: both sides stop with the code did not match, nothing written", async () => {
  const { source, output, page, code } = await roomWithFile("guarded.bin");
  const wrong = code.replace(/-[a-z]+$/, "-zzzwrong");
  const receiver = watchKad(
    env.kad(["receive", "--server", env.secureOrigin, "--json", "-o", output, wrong]),
  );
  await sendFiles(page, await waitForMember(page), [source]);
  expect(await receiver.exited).toBe(6);
  expect(receiver.events.at(-1)).toMatchObject({ event: "error", code: "BAD_CODE" });
  const row = page.locator(".transfer[data-direction=send]");
  await row.and(page.locator("[data-state=failed]")).waitFor({ timeout: 30_000 });
  expect(await row.textContent()).toContain("code did not match");
  expect(await readdir(output)).toEqual([]);
});
