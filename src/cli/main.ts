import { Command, CommanderError } from "commander";
import { version } from "../../package.json";
import { EXIT, isKadError } from "../util/errors.js";
import { jsonLine } from "../util/terminal-safe.js";
import { doctorCommand } from "./commands/doctor.js";
import { receiveCommand } from "./commands/receive.js";
import { sendCommand } from "./commands/send.js";
import { serveCommand } from "./commands/serve.js";
import { kadErrorText, unexpectedErrorText } from "./output/failure-text.js";

const EXIT_CODES_HELP = `
Exit codes:
  0    success (the sender exits 0 only once the receiver confirmed every byte)
  1    other failure
  2    usage error
  3    server or peer unreachable, or the peer left
  4    integrity failure (size or SHA-256 mismatch)
  5    timeout
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)`;

export function buildProgram(): Command {
  const program = new Command("kad")
    .description("Send files straight from one machine to another over WebRTC, with a short code.")
    .version(version, "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(run kad --help for usage)")
    .addHelpText("after", EXIT_CODES_HELP)
    .exitOverride();
  program.addCommand(sendCommand());
  program.addCommand(receiveCommand());
  program.addCommand(serveCommand());
  program.addCommand(doctorCommand());
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, argv.includes("--json"));
  }
}

function reportFailure(error: unknown, json = false): number {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    if (error.exitCode === 0) return EXIT.ok;
    // Commander printed the message; a --json script reads stdout only.
    const message = error.message.replace(/^error: /, "");
    if (json) process.stdout.write(`${jsonLine({ event: "error", code: "USAGE", message })}\n`);
    return EXIT.usage;
  }
  if (isKadError(error)) {
    process.stderr.write(kadErrorText(error));
    return error.exitCode;
  }
  process.stderr.write(unexpectedErrorText(error));
  return EXIT.failure;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error);
  },
);
