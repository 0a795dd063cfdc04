import type * as pulumi from "@pulumi/pulumi";

/** A value that may be given directly or as an Output, at every depth. */
export type DeepInput<T> = pulumi.Input<
  T extends (infer U)[] ? DeepInput<U>[] : T extends object ? { [K in keyof T]: DeepInput<T[K]> } : T
>;
