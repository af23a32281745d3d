export interface RawPeerResult {
  kind: "result";
  bytes: number;
  sha256: string;
  ms: number;
  /** Receiver only: from the first byte in to the last one written. */
  dataMs?: number;
}
export function runRawTransfer(
  sourceFile: string,
  targetFile: string,
  options?: { timeoutMs?: number; prefix?: (role: "sender" | "receiver") => string[] },
): Promise<{ sender: RawPeerResult; receiver: RawPeerResult; exited: Promise<unknown> }>;
