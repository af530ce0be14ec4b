// graphql-codegen: typed document nodes for the operations in src/operations.ts,
// from the schema Roster commits (../../schema.graphql). `npm run codegen` rewrites
// src/gql/; `npm run codegen:check` fails when it is out of date.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations.ts"],
  ignoreNoDocuments: false,
  // Imports with `.js`, as Node's ES modules (and "moduleResolution": "NodeNext") need.
  emitLegacyCommonJSImports: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
        skipTypename: true,
      },
    },
  },
};

export default config;
