/**
 * The page against a peer that behaves like the original kamelladjutant
 * browser client (test/helpers/reference-peer.mjs, written from the protocol
 * document): no hello, no checksum, 128-byte chunks, answers an initiate
 * only from a member it has listed. The page must speak the plain protocol.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { expect, it, onTestFailed } from "vitest";
import {
  createRoom,
  openPage,
  saveAll,
  sendFiles,
  waitForMember,
  waitForTransfers,
} from "../helpers/browser.js";
import { useBrowserEnv } from "../helpers/browser-env.js";
import { sha256File, writeRandomFile } from "../helpers/files.js";
import { watchKad } from "../helpers/kad-process.js";
import { useTempDir } from "../helpers/temp-dir.js";

const REFERENCE_PEER = resolve(import.meta.dirname, "../helpers/reference-peer.mjs");

const env = useBrowserEnv();

interface SavedTypes {
  savedBlobTypes: string[];
}

/** On a failed test, its libdatachannel warnings tell a connection's failure apart. */
function referencePeer(config: Record<string, unknown>) {
  const full = { server: env.secureOrigin, bind: env.namespace.address, ...config };
  const logged = { KAD_WEBRTC_LOG: "warning" };
  const peer = watchKad(env.node(REFERENCE_PEER, [JSON.stringify(full)], logged));
  onTestFailed(() => {
    console.error(`reference peer (room ${String(config.room)}) stderr:\n${peer.stderr()}`);
  });
  return peer;
}

/** A reference sender whose file the page must refuse, and the page's failed row for it. */
async function refusedByPage(room: string, config: Record<string, unknown>, timeout: number) {
  const sender = referencePeer({ role: "send", room, ...config });
  await sender.waitForEvent((event) => event.event === "ready");
  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/#/${room}`);
  const row = page.locator(".transfer[data-state=failed]");
  await row.waitFor({ timeout });
  return { page, row };
}

it("receives from an original-style sender (128-byte chunks, no checksum)", async () => {
  const dir = await useTempDir();
  const source = join(dir, "original.bin");
  await writeRandomFile(source, 300_000 + 7);
  const room = "original-sends-1";
  const sender = referencePeer({ role: "send", room, files: [{ path: source }] });
  await sender.waitForEvent((event) => event.event === "ready");

  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/#/${room}`);
  await waitForTransfers(page, "receive", 1);
  expect(await page.locator(".transfer-status").textContent()).toBe("Received.");
  expect(await sender.exited).toBe(0);
  expect(await saveAll(page)).toEqual(new Map([["original.bin", await sha256File(source)]]));
});

it("sends to an original-style receiver with the plain protocol, only once the person allowed it", async () => {
  const dir = await useTempDir();
  const sources = [join(dir, "one.bin"), join(dir, "two.bin")];
  await writeRandomFile(sources[0] as string, 200_000);
  await writeRandomFile(sources[1] as string, 1);
  const outDir = join(dir, "out");
  await mkdir(outDir);

  const browser = await env.launch();
  const page = await openPage(browser.context, `${env.secureOrigin}/`);
  const code = await createRoom(page);
  // An original client knows only the room; the secret words stay on the page.
  const room = code.split("-").slice(0, -2).join("-");
  const receiver = referencePeer({ role: "receive", room, outDir, expectFiles: 2 });
  const member = await waitForMember(page);
  await sendFiles(page, member, sources);
  const refused = page.locator(".transfer[data-state=failed]").first();
  await refused.waitFor({ timeout: 30_000 });
  expect(await refused.textContent()).toContain("cannot prove it knows the code");
  await page.getByLabel(/Also send to pages that cannot check the code/).check();
  await sendFiles(page, member, sources);
  await page.locator(".transfer[data-state=done]").nth(1).waitFor({ timeout: 60_000 });

  expect(
    await page.locator(".transfer[data-state=done] .transfer-status").allTextContents(),
  ).toEqual(["Sent.", "Sent."]);
  expect(await receiver.exited).toBe(0);
  const received = receiver.events.filter((event) => event.event === "received");
  expect(new Map(received.map((event) => [event.name, event.sha256]))).toEqual(
    new Map([
      ["one.bin", await sha256File(sources[0] as string)],
      ["two.bin", await sha256File(sources[1] as string)],
    ]),
  );
});

it("refuses a hostile sender that sends more than it announced, under a path-like name", async () => {
  const dir = await useTempDir();
  const source = join(dir, "payload.bin");
  await writeRandomFile(source, 10_000);
  const files = [{ path: source, name: "../../.bashrc", extraBytes: 5_000 }];
  const { page, row } = await refusedByPage("hostile-sends-1", { files, chunkBytes: 4096 }, 30_000);
  expect(await row.locator(".transfer-name").textContent()).toBe(".bashrc");
  expect(await row.locator(".transfer-status").textContent()).toBe(
    "The sender sent more than the 10000 bytes it announced.",
  );
  expect(await page.locator("a[download]").count()).toBe(0);
});

it("saves what arrives as application/octet-stream, whatever type the sender claims", async () => {
  const dir = await useTempDir();
  const source = join(dir, "invoice.html");
  await writeFile(source, "<script>document.title = 'ran on the kad origin'</script>");
  const browser = await env.launch();
  // The blob behind the Save link is what a new tab would render.
  await browser.context.addInitScript(() => {
    const saved: string[] = [];
    (window as unknown as SavedTypes).savedBlobTypes = saved;
    const create = URL.createObjectURL;
    URL.createObjectURL = (blob: Blob) => {
      saved.push(blob.type);
      return create(blob);
    };
  });
  // Plain http (memory) and a secure origin (origin-private file system).
  for (const [origin, room] of [
    [env.lanOrigin, "typed-sends-lan"],
    [env.secureOrigin, "typed-sends-local"],
  ] as const) {
    const files = [{ path: source, name: "invoice.pdf", type: "text/html" }];
    const sender = referencePeer({ role: "send", room, files, server: origin });
    await sender.waitForEvent((event) => event.event === "ready");
    const page = await openPage(browser.context, `${origin}/#/${room}`);
    await waitForTransfers(page, "receive", 1);
    const type = await page.evaluate(() => (window as unknown as SavedTypes).savedBlobTypes);
    expect(type).toEqual(["application/octet-stream"]);
  }
});

it("refuses a hostile sender's session end in the middle of a file, and adds no note for a flood of them", async () => {
  const dir = await useTempDir();
  const source = join(dir, "flood.bin");
  await writeRandomFile(source, 1000);
  const end = JSON.stringify({ kad: "end", files: 1, bytes: 1000 });
  const files = [
    {
      path: source,
      kad: { v: 1 },
      repeat: { text: end, count: 5_000 },
      after: [JSON.stringify({ kad: "error", code: "PROTOCOL", message: "flood over" })],
    },
  ];
  const { page, row } = await refusedByPage("hostile-ends-1", { files }, 60_000);
  expect(await row.locator(".transfer-status").textContent()).toBe(
    "The sender ended before the file was complete.",
  );
  expect(await page.locator(".transfer .transfer-note").count()).toBe(0);
});

it("says the encrypted connection failed when the sender's certificate is not the one its offer names", async () => {
  const dir = await useTempDir();
  const source = join(dir, "forged.bin");
  await writeRandomFile(source, 1000);
  const files = [{ path: source }];
  const { page, row } = await refusedByPage(
    "forged-fingerprint-1",
    { files, forgeFingerprint: true },
    30_000,
  );
  expect(await row.locator(".transfer-status").textContent()).toContain(
    "Reached the other side, but the encrypted connection failed",
  );
  expect(await page.locator("a[download]").count()).toBe(0);
});
