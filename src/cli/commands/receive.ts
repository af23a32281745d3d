/** `kad receive [options] <code>`: parse, then hand over to the receive session. */
import { Command } from "commander";
import {
  addTransferOptions,
  parseTimeout,
  runWithReporter,
  sharedSessionConfig,
  type TransferFlags,
  usage,
} from "./transfer-options.js";

interface ReceiveFlags extends TransferFlags {
  output: string;
  overwrite?: boolean;
  idleExit: number;
  wait?: boolean;
}

/** Default --idle-exit: long enough to pick the next file in a browser tab. */
export const DEFAULT_IDLE_EXIT_SECONDS = 10;

const EXAMPLES = `
Examples:
  kad receive 7-tiger-piano-oak                save into the current directory
  kad receive -o ~/Downloads 23-40123-tiger-piano-oak
  kad receive --server http://10.0.0.2:9891 7-tiger-piano-oak
  kad receive http://10.0.0.2:9891/#/7-tiger-piano-oak   a browser link works too
  kad receive CODE -o - | tar x                a single stream to stdout
  kad receive --wait 42-build-piano-oak        the sender may start later, with
                                               kad send --code 42-build-piano-oak

The code may also come from KAD_CODE (argv is visible to other users).
Files arrive under a temporary name and are renamed only once their size and
SHA-256 match; existing files are never replaced without --overwrite.`;

export function receiveCommand(): Command {
  return addTransferOptions(
    new Command("receive")
      .description("receive what a peer sends under a code")
      .argument("[code]", "the code (or browser link) the sender shows; default $KAD_CODE")
      .option(
        "-o, --output <dir>",
        "directory to save into (created if its parent exists), or - for stdout",
        ".",
      )
      .option("--overwrite", "replace existing files")
      .option(
        "--wait",
        "when nobody sends under the code yet, wait for a sender (up to --timeout) instead of failing; for scripts that start both sides at once with kad send --code",
      )
      .option(
        "--idle-exit <seconds>",
        "after a file from a sender that cannot say it is done (an original browser), finish once no new file starts for this long (0: wait until it leaves)",
        parseTimeout,
        DEFAULT_IDLE_EXIT_SECONDS,
      ),
  )
    .addHelpText("after", EXAMPLES)
    .action(async (code: string | undefined, flags: ReceiveFlags) => {
      // Checks run inside the reporter, so --json reports their failures too.
      await runWithReporter(flags, "receive", async (emit, signal) => {
        const shareCode = code ?? process.env.KAD_CODE;
        if (!shareCode) throw usage("missing code", "Run kad receive CODE (or set KAD_CODE).");
        if (flags.output === "-" && flags.json) {
          throw usage("--json and -o - both want stdout", "Drop --json, or save into a directory.");
        }
        const { prepareOutputDirectory } = await import("../../transfer/output-path.js");
        const { runReceive } = await import("../../session/receive-session.js");
        if (flags.output !== "-") await prepareOutputDirectory(flags.output);
        return runReceive(
          {
            ...sharedSessionConfig(flags),
            code: shareCode,
            output: flags.output,
            overwrite: Boolean(flags.overwrite),
            idleExitMs: flags.idleExit * 1000,
            waitForSender: Boolean(flags.wait),
            stdout: process.stdout,
          },
          emit,
          signal,
        );
      });
    });
}
