import * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../provider/transport/connection";
import type { DeepInput } from "./input";

/**
 * The connection a resource uses when it declares none: stack config in the `virtnet` namespace
 * (`virtnet:host`, `virtnet:user`, `virtnet:privateKey` as a secret, …). Undefined when no host is
 * configured, so `check` can say what to set.
 */
export function connectionFromConfig(): DeepInput<ConnectionArgs> | undefined {
  const cfg = new pulumi.Config("virtnet");
  const host = cfg.get("host");
  if (!host) return undefined;
  const connection: Record<string, unknown> = {
    host,
    port: cfg.getNumber("port"),
    user: cfg.get("user"),
    privateKey: cfg.getSecret("privateKey"),
    privateKeyPassword: cfg.getSecret("privateKeyPassword"),
    password: cfg.getSecret("password"),
    agentSocketPath: cfg.get("agentSocketPath"),
    hostKey: cfg.get("hostKey"),
    insecureIgnoreHostKey: cfg.getBoolean("insecureIgnoreHostKey"),
    sudo: cfg.getBoolean("sudo"),
  };
  // Unset keys are left out rather than sent as undefined.
  for (const key of Object.keys(connection)) if (connection[key] === undefined) delete connection[key];
  return connection as DeepInput<ConnectionArgs>;
}
