export interface RawPeerResult {
  kind: "result";
  bytes: number;
  sha256: string;
  ms: number;
}
export function runRawTransfer(
  sourceFile: string,
  targetFile: string,
  options?: { timeoutMs?: number },
): Promise<{ sender: RawPeerResult; receiver: RawPeerResult }>;
