export { RosterClient, RosterError } from "./client.js";
export type { ClientOptions, RosterGraphQLError } from "./client.js";
export * from "./operations.js";
export type * from "./gql/graphql.js";
