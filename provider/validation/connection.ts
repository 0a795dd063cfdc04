import type { ConnectionArgs } from "../transport/connection";
import type { CheckFailure } from "../schema/validate";
import { UNKNOWN } from "../schema/validate";

/** Rules for the `connection` input that the schema's types cannot express. */
export function connectionFailures(conn: ConnectionArgs | undefined, path = "connection"): CheckFailure[] {
  if (!conn || (conn as unknown) === UNKNOWN) {
    return conn
      ? []
      : [
          {
            property: path,
            reason: `${path} is required: set it on the resource, or set stack config virtnet:host (and virtnet:privateKey as a secret).`,
          },
        ];
  }
  const failures: CheckFailure[] = [];
  if (typeof conn.host === "string" && conn.host !== UNKNOWN && !/^[A-Za-z0-9.:_%[\]-]+$/.test(conn.host)) {
    failures.push({
      property: `${path}.host`,
      reason: `${path}.host must be a host name or address; got ${JSON.stringify(conn.host)}.`,
    });
  }
  if (typeof conn.port === "number" && (conn.port < 1 || conn.port > 65535)) {
    failures.push({
      property: `${path}.port`,
      reason: `${path}.port must be between 1 and 65535; got ${conn.port}.`,
    });
  }
  if (conn.hostKey && conn.insecureIgnoreHostKey) {
    failures.push({
      property: `${path}.insecureIgnoreHostKey`,
      reason: `${path}.hostKey pins a key while ${path}.insecureIgnoreHostKey turns checking off: set only one.`,
    });
  }
  if (conn.proxy) failures.push(...connectionFailures(conn.proxy, `${path}.proxy`));
  return failures;
}
