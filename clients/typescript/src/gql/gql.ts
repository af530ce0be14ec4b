/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username isSuperuser }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresAt\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id username email }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) { id title fullTitle type }\n  }\n": typeof types.CreateProjectDocument,
    "\n  query Dashboard($first: Int, $after: String, $search: String) {\n    projects(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id\n          title\n          fullTitle\n          type\n          myAccess { role inherited isOwner permissions }\n        }\n      }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  query Members($projectId: ID!, $first: Int, $after: String) {\n    project(id: $projectId) {\n      id\n      fullTitle\n      members(first: $first, after: $after) {\n        totalCount\n        pageInfo { hasNextPage endCursor }\n        edges { node { id role inherited expiresAt user { id username name } } }\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  mutation Invite($input: InviteInput!) {\n    invite(input: $input) { id email role status expiresAt }\n  }\n": typeof types.InviteDocument,
    "\n  query MyInvitations {\n    myInvitations { id role expiresAt project { id fullTitle } issuer { username } }\n  }\n": typeof types.MyInvitationsDocument,
    "\n  mutation AcceptInvitation($id: ID!) {\n    acceptInvitation(id: $id) { id role project { id fullTitle } }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  mutation AcceptInvitationByToken($token: String!, $signup: SignupInput) {\n    acceptInvitationByToken(token: $token, signup: $signup) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username }\n    }\n  }\n": typeof types.AcceptInvitationByTokenDocument,
    "\n  mutation CreateResource($input: CreateResourceInput!) {\n    createResource(input: $input) { id name kind myAccess }\n  }\n": typeof types.CreateResourceDocument,
    "\n  mutation SetAcl($input: SetAclInput!) {\n    setAcl(input: $input) {\n      resource { id name }\n      safetyLevel\n      sharedWith { access user { id username } }\n    }\n  }\n": typeof types.SetAclDocument,
};
const documents: Documents = {
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username isSuperuser }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresAt\n    }\n  }\n": types.RefreshDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id username email }\n  }\n": types.CreateUserDocument,
    "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) { id title fullTitle type }\n  }\n": types.CreateProjectDocument,
    "\n  query Dashboard($first: Int, $after: String, $search: String) {\n    projects(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id\n          title\n          fullTitle\n          type\n          myAccess { role inherited isOwner permissions }\n        }\n      }\n    }\n  }\n": types.DashboardDocument,
    "\n  query Members($projectId: ID!, $first: Int, $after: String) {\n    project(id: $projectId) {\n      id\n      fullTitle\n      members(first: $first, after: $after) {\n        totalCount\n        pageInfo { hasNextPage endCursor }\n        edges { node { id role inherited expiresAt user { id username name } } }\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  mutation Invite($input: InviteInput!) {\n    invite(input: $input) { id email role status expiresAt }\n  }\n": types.InviteDocument,
    "\n  query MyInvitations {\n    myInvitations { id role expiresAt project { id fullTitle } issuer { username } }\n  }\n": types.MyInvitationsDocument,
    "\n  mutation AcceptInvitation($id: ID!) {\n    acceptInvitation(id: $id) { id role project { id fullTitle } }\n  }\n": types.AcceptInvitationDocument,
    "\n  mutation AcceptInvitationByToken($token: String!, $signup: SignupInput) {\n    acceptInvitationByToken(token: $token, signup: $signup) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username }\n    }\n  }\n": types.AcceptInvitationByTokenDocument,
    "\n  mutation CreateResource($input: CreateResourceInput!) {\n    createResource(input: $input) { id name kind myAccess }\n  }\n": types.CreateResourceDocument,
    "\n  mutation SetAcl($input: SetAclInput!) {\n    setAcl(input: $input) {\n      resource { id name }\n      safetyLevel\n      sharedWith { access user { id username } }\n    }\n  }\n": types.SetAclDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username isSuperuser }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username isSuperuser }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id username email }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id username email }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) { id title fullTitle type }\n  }\n"): (typeof documents)["\n  mutation CreateProject($input: CreateProjectInput!) {\n    createProject(input: $input) { id title fullTitle type }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard($first: Int, $after: String, $search: String) {\n    projects(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id\n          title\n          fullTitle\n          type\n          myAccess { role inherited isOwner permissions }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Dashboard($first: Int, $after: String, $search: String) {\n    projects(first: $first, after: $after, search: $search) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id\n          title\n          fullTitle\n          type\n          myAccess { role inherited isOwner permissions }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($projectId: ID!, $first: Int, $after: String) {\n    project(id: $projectId) {\n      id\n      fullTitle\n      members(first: $first, after: $after) {\n        totalCount\n        pageInfo { hasNextPage endCursor }\n        edges { node { id role inherited expiresAt user { id username name } } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Members($projectId: ID!, $first: Int, $after: String) {\n    project(id: $projectId) {\n      id\n      fullTitle\n      members(first: $first, after: $after) {\n        totalCount\n        pageInfo { hasNextPage endCursor }\n        edges { node { id role inherited expiresAt user { id username name } } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Invite($input: InviteInput!) {\n    invite(input: $input) { id email role status expiresAt }\n  }\n"): (typeof documents)["\n  mutation Invite($input: InviteInput!) {\n    invite(input: $input) { id email role status expiresAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyInvitations {\n    myInvitations { id role expiresAt project { id fullTitle } issuer { username } }\n  }\n"): (typeof documents)["\n  query MyInvitations {\n    myInvitations { id role expiresAt project { id fullTitle } issuer { username } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($id: ID!) {\n    acceptInvitation(id: $id) { id role project { id fullTitle } }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($id: ID!) {\n    acceptInvitation(id: $id) { id role project { id fullTitle } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitationByToken($token: String!, $signup: SignupInput) {\n    acceptInvitationByToken(token: $token, signup: $signup) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitationByToken($token: String!, $signup: SignupInput) {\n    acceptInvitationByToken(token: $token, signup: $signup) {\n      accessToken\n      refreshToken\n      expiresAt\n      user { id username }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateResource($input: CreateResourceInput!) {\n    createResource(input: $input) { id name kind myAccess }\n  }\n"): (typeof documents)["\n  mutation CreateResource($input: CreateResourceInput!) {\n    createResource(input: $input) { id name kind myAccess }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAcl($input: SetAclInput!) {\n    setAcl(input: $input) {\n      resource { id name }\n      safetyLevel\n      sharedWith { access user { id username } }\n    }\n  }\n"): (typeof documents)["\n  mutation SetAcl($input: SetAclInput!) {\n    setAcl(input: $input) {\n      resource { id name }\n      safetyLevel\n      sharedWith { access user { id username } }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;