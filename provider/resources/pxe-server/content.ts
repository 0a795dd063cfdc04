/**
 * The bytes of each declared file: inline text, inline base64, or a local file read where the
 * program runs (the provider host's working directory is the program's folder). Thin I/O; only
 * hashes leave this module in outputs.
 */
import { createHash } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import type { PxeFileSource } from "./types";

/** Local files larger than this are refused: a TFTP root holds boot loaders and menus, not images. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Strict base64 (RFC 4648 alphabet, padding optional); Buffer.from would silently skip junk. */
export function isBase64(value: string): boolean {
  return (
    /^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s+/g, "")) && value.replace(/\s+/g, "").length % 4 !== 1
  );
}

/** Reads one declared file's bytes. Throws with a message naming `property` when it cannot. */
export async function fileBytes(source: PxeFileSource, property: string): Promise<Buffer> {
  if (source.content !== undefined) return Buffer.from(source.content, "utf8");
  if (source.contentBase64 !== undefined) return Buffer.from(source.contentBase64, "base64");
  if (source.source !== undefined) {
    const file = path.resolve(source.source);
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (err) {
      throw new Error(`${property}.source: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (!stat.isFile()) throw new Error(`${property}.source: ${file} is not a regular file`);
    if (stat.size > MAX_FILE_BYTES)
      throw new Error(
        `${property}.source: ${file} is ${stat.size} bytes; at most ${MAX_FILE_BYTES} are supported`,
      );
    return fs.readFile(file);
  }
  throw new Error(`${property} needs one of content, contentBase64 or source`);
}
