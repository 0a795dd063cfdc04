/**
 * The connection (it may hold a private key or password) must be a secret in state even when the
 * program passes it as plain strings: Pulumi stores inputs as given, and `additionalSecretOutputs`
 * only covers outputs. Runs the SDK classes under Pulumi's mocks and looks at what the engine gets.
 */
import * as pulumi from "@pulumi/pulumi";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const seen = new Map<string, Record<string, unknown>>();

beforeAll(() => {
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.set(args.name, args.inputs as Record<string, unknown>);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "virtnet-test",
    "test",
    true,
  );
});

const isSecret = (v: unknown): boolean =>
  !!v && typeof v === "object" && Object.values(v as object).includes(SECRET_SIG);

test("every resource class sends its connection to the engine as a secret", async () => {
  // Loaded after setMocks, as a program would be.
  const virtnet = require("../../sdk") as typeof import("../../sdk");
  const connection = { host: "198.18.1.2", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nPLAIN\n" };
  const resources = [
    new virtnet.VirtualNetwork("net", { connection, mode: "isolated" }),
    new virtnet.BridgeInterface("br", { connection, name: "br0" }),
    new virtnet.BondedLink("bond", { connection, name: "bond0", mode: "active-backup" }),
    new virtnet.PxeServer("pxe", { connection, network: "net", bootFile: "boot.ipxe" }),
  ];
  await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
  for (const name of ["net", "br", "bond", "pxe"]) {
    const inputs = seen.get(name);
    expect({ name, secret: isSecret(inputs?.connection) }).toEqual({ name, secret: true });
    expect(JSON.stringify({ ...inputs, connection: undefined })).not.toContain("PLAIN");
  }
});
