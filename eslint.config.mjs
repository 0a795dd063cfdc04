import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Import patterns a layer may not use: each layer talks only to the one below it. */
const pulumi = {
  group: ["@pulumi/*"],
  message: "provider/ is the host-facing engine: no Pulumi import (the SDK wraps it).",
};
const above = (layer, ...dirs) => ({
  group: dirs.map((d) => `**/${d}/*`),
  message: `${layer} must not import from a layer above it (transport → drivers → resources → sdk).`,
});
const drivers = ["libvirt", "networkmanager", "tftp"];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "dist-bench/", ".work/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["provider/transport/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [pulumi, above("transport", ...drivers, "resources")] }],
    },
  },
  {
    files: drivers.map((d) => `provider/${d}/**/*.ts`),
    rules: {
      "no-restricted-imports": ["error", { patterns: [pulumi, above("A host driver", "resources")] }],
    },
  },
  {
    files: [
      "provider/resources/**/*.ts",
      "provider/schema/**/*.ts",
      "provider/validation/**/*.ts",
      "provider/index.ts",
    ],
    rules: { "no-restricted-imports": ["error", { patterns: [pulumi] }] },
  },
);
