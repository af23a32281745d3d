/** The page makes a room and `kad receive` joins it by code: the start of every page -> kad test. */
import type { BrowserContext } from "playwright-core";
import { createRoom, openPage } from "./browser.js";
import type { BrowserEnv } from "./browser-env.js";
import { watchKad } from "./kad-process.js";

export async function roomWithKadReceiver(
  env: BrowserEnv,
  context: BrowserContext,
  output: string,
) {
  const page = await openPage(context, `${env.secureOrigin}/`);
  const code = await createRoom(page);
  const receiver = watchKad(
    env.kad(["receive", "--server", env.secureOrigin, "--json", "-o", output, code]),
  );
  return { page, code, receiver };
}
