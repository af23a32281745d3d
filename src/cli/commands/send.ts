/** `kad send [options] <path...>`: parse, then hand over to the send session. */
import { Command } from "commander";
import { isValidCode, normalizeCode } from "../../code/share-code.js";
import {
  addTransferOptions,
  runWithReporter,
  sharedSessionConfig,
  type TransferFlags,
  usage,
} from "./transfer-options.js";
import { confirmWordsPrompt } from "./verify-prompt.js";

interface SendFlags extends TransferFlags {
  code?: string;
  allowUnverifiedBrowser?: boolean;
}

const EXAMPLES = `
Examples:
  kad send report.pdf                  prints a code; the receiver runs kad receive CODE
  kad send photos/ notes.txt           directories are sent recursively
  tar c dir | kad send -               stdin (the receiver must be kad)
  kad send --server http://10.0.0.2:9891 --code 7-tiger-piano-oak big.iso

Without --server (or KAD_SERVER), kad send runs a signaling server itself on
this machine's LAN address and folds that address into the code, so
kad receive on this machine or LAN needs nothing else.`;

export function sendCommand(): Command {
  return addTransferOptions(
    new Command("send")
      .description(
        "send files, directories or stdin (-) to a peer; prints a code to give to the receiver",
      )
      .argument("<path...>", "files, directories, or - for stdin")
      .option(
        "--code <code>",
        "use this code instead of a generated one: a room name (5-64 letters, digits, dashes) then two secret words, e.g. 7-tiger-piano-oak",
      )
      .option(
        "--allow-unverified-browser",
        "also send to an original browser client, which cannot prove it knows the code (whoever runs the server could be in between)",
      ),
  )
    .addHelpText("after", EXAMPLES)
    .action(async (paths: string[], flags: SendFlags) => {
      const usesStdin = paths.includes("-");
      try {
        // Checks run inside the reporter, so --json reports their failures too.
        await runWithReporter(flags, "send", async (emit, signal) => {
          if (flags.code !== undefined && !isValidCode(normalizeCode(flags.code))) {
            throw usage(
              `invalid code: ${flags.code}`,
              "A code is a room name (5-64 letters, digits, dashes) and then two words that stay secret, e.g. 7-tiger-piano-oak.",
            );
          }
          const shared = sharedSessionConfig(flags);
          // Loaded only now, so `kad --help` stays instant.
          const { collectSources } = await import("../../transfer/sources.js");
          const { runSend } = await import("../../session/send-session.js");
          const sources = await collectSources(paths, (path, reason) =>
            emit({ event: "skipped", path, reason }),
          );
          return runSend(
            {
              ...shared,
              sources,
              code: flags.code,
              allowUnverified: Boolean(flags.allowUnverifiedBrowser),
              ...(flags.verify ? { confirmWords: confirmWordsPrompt(process.env, usesStdin) } : {}),
              stdin: process.stdin,
            },
            emit,
            signal,
          );
        });
      } finally {
        // A read that was cut short would otherwise keep the process alive.
        if (usesStdin) process.stdin.destroy();
      }
    });
}
