import * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../provider/transport/connection";
import { connectionFromConfig } from "./config";
import type { DeepInput } from "./input";

/**
 * The connection every resource stores, as a secret. It may hold a private key or a password, and
 * Pulumi keeps inputs in state as they were given: a key read with `fs.readFileSync` would be
 * stored in plaintext. `additionalSecretOutputs` covers the output of the same name.
 */
export function secretConnection(
  connection: DeepInput<ConnectionArgs> | undefined,
): pulumi.Output<ConnectionArgs> | undefined {
  const effective = connection ?? connectionFromConfig();
  return effective === undefined
    ? undefined
    : (pulumi.secret(effective) as unknown as pulumi.Output<ConnectionArgs>);
}

/** Resource options that keep the `connection` output secret too. */
export function withSecretConnection(
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "connection"] };
}
