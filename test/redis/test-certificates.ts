/** A throw-away certificate authority for TLS tests, made with the openssl CLI. */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TlsFiles } from "../helpers/redis-server.js";

const execFileAsync = promisify(execFile);

/** A throw-away CA and a server certificate for 127.0.0.1, written into `dir`. */
export async function createTestCertificates(dir: string): Promise<TlsFiles> {
  const files = {
    caFile: join(dir, "ca.pem"),
    certFile: join(dir, "server.pem"),
    keyFile: join(dir, "server.key"),
  };
  const caKey = join(dir, "ca.key");
  const request = join(dir, "server.csr");
  const extensions = join(dir, "server.ext");
  await writeFile(extensions, "subjectAltName=IP:127.0.0.1\n");
  const openssl = (...args: string[]) => execFileAsync("openssl", args);
  await openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey],
    ...["-out", files.caFile, "-days", "1", "-subj", "/CN=kad test CA"],
  );
  await openssl(
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", files.keyFile],
    ...["-out", request, "-subj", "/CN=127.0.0.1"],
  );
  await openssl(
    ...["x509", "-req", "-in", request, "-CA", files.caFile, "-CAkey", caKey],
    ...["-CAcreateserial", "-out", files.certFile, "-days", "1", "-extfile", extensions],
  );
  return files;
}
