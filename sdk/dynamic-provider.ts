import type * as pulumi from "@pulumi/pulumi";
import type { EngineKind } from "../provider";

/**
 * The dynamic provider Pulumi serializes into each resource's state. It must stay stateless:
 * Pulumi's closure serializer copies the methods as text, and a captured SSH client or pool cannot
 * be serialized. Each method therefore `require`s the engine by package path, which the provider
 * host resolves from the program's node_modules.
 */
export function dynamicProvider(kind: EngineKind): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds, news) => require("pulumi-virtnet/provider").engines[kind].check(olds, news),
    diff: (id, olds, news) => require("pulumi-virtnet/provider").engines[kind].diff(id, olds, news),
    create: (inputs) => require("pulumi-virtnet/provider").engines[kind].create(inputs),
    read: (id, props) => require("pulumi-virtnet/provider").engines[kind].read(id, props),
    update: (id, olds, news) => require("pulumi-virtnet/provider").engines[kind].update(id, olds, news),
    delete: (id, props) => require("pulumi-virtnet/provider").engines[kind].delete(id, props),
  };
}
