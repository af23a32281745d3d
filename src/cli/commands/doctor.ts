/** `kad doctor`: checks what a transfer through a server needs, one verdict a line. */
import { Command, Option } from "commander";
import type { Check, DoctorReport } from "../../doctor/run-doctor.js";
import { KadError } from "../../util/errors.js";
import { jsonLine, terminalSafe } from "../../util/terminal-safe.js";
import { parseIce, parseServer } from "./transfer-options.js";

interface DoctorFlags {
  server: string;
  ice?: string[];
  json?: boolean;
}

const MARKS = { true: "ok  ", false: "FAIL", null: "--  " } as const;

const HELP = `
Checks, in a few seconds: the server answers, its WebSocket lets us join a
room, STUN gives this machine a reflexive address (and whether it changes per
destination: a symmetric NAT), and a TURN allocation succeeds with the
credentials the server hands out. Run it on both machines.

Exit codes: 0 when a transfer through this server can work from here,
3 when it cannot (the failing line says why), 2 usage.`;

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("check that transfers through a server can work from this network")
    .addOption(
      new Option("--server <url>", "the kad server to check")
        .env("KAD_SERVER")
        .argParser(parseServer)
        .makeOptionMandatory(),
    )
    .option(
      "--ice <url>",
      "another STUN server to compare mapped addresses with; repeatable",
      parseIce,
    )
    .option("--json", "print the report as one JSON object on stdout")
    .helpOption("-h, --help", "show help")
    .addHelpText("after", HELP)
    .exitOverride()
    .action(async (flags: DoctorFlags) => {
      const { runDoctor } = await import("../../doctor/run-doctor.js");
      const { shutdownNative } = await import("../../webrtc/native.js");
      let report: DoctorReport;
      try {
        report = await runDoctor({ server: flags.server, iceServers: flags.ice ?? [] });
      } finally {
        shutdownNative();
      }
      if (flags.json) process.stdout.write(`${jsonLine({ event: "doctor", ...report })}\n`);
      else for (const check of report.checks) process.stderr.write(`${line(check)}\n`);
      if (!report.ok) throw verdictError(report);
    });
}

function line(check: Check): string {
  return `${MARKS[`${check.ok}`]} ${check.name.padEnd(9)} ${terminalSafe(check.detail)}`;
}

function verdictError(report: DoctorReport): KadError {
  const failed = report.checks.find((check) => check.ok === false);
  const serverDown = failed?.name === "server" || failed?.name === "websocket";
  return new KadError(
    serverDown ? "SERVER_UNREACHABLE" : "PEER_UNREACHABLE",
    serverDown
      ? `the server ${report.server} cannot be used from here`
      : "transfers from this network need a TURN relay, and none works",
    {
      hint: serverDown
        ? "Check the URL, and that a proxy or firewall lets WebSockets through."
        : "Ask the server's operator to configure TURN (kad serve --turn-url, --turn-secret-file), or open UDP to it.",
    },
  );
}
