import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { MAX_PATH_DEPTH } from "../../../src/engine/safe-path.js";
import { createFileReceiver } from "../../../src/transfer/file-receiver.js";
import { useTempDir } from "../../helpers/temp-dir.js";

it("tells a kad sender why its path was refused, even before the file started", async () => {
  const dir = await useTempDir();
  const back: unknown[] = [];
  const receiver = createFileReceiver({
    output: dir,
    overwrite: false,
    stdout: new PassThrough(),
    sendBack: (text) => back.push(JSON.parse(text)),
    onFile: () => {},
    onProgress: () => {},
    onFileDone: () => {},
    onEnd: () => {},
  });
  const path = [...Array.from({ length: MAX_PATH_DEPTH }, (_, i) => `d${i}`), "x.bin"].join("/");
  receiver.handle(JSON.stringify({ name: "x.bin", size: 1, type: "", kad: { v: 1, path } }));
  await expect(receiver.finished).rejects.toThrow(`deeper than ${MAX_PATH_DEPTH} levels`);
  expect(back).toEqual([
    {
      kad: "error",
      code: "PROTOCOL",
      message: `the sender's path is deeper than ${MAX_PATH_DEPTH} levels`,
    },
  ]);
});
