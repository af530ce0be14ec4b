// The operations a front end writes, typed by graphql-codegen (`npm run codegen`
// after changing one). Each constant is a TypedDocumentNode: `execute` infers the
// result and the variables from it.
import { graphql } from "./gql/index.js";

export const Login = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      accessToken
      refreshToken
      expiresAt
      user { id username isSuperuser }
    }
  }
`);

export const Refresh = graphql(`
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      expiresAt
    }
  }
`);

export const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) { id username email }
  }
`);

export const CreateProject = graphql(`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { id title fullTitle type }
  }
`);

/** The dashboard: the viewer's projects, a page at a time, with their access. */
export const Dashboard = graphql(`
  query Dashboard($first: Int, $after: String, $search: String) {
    projects(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          title
          fullTitle
          type
          myAccess { role inherited isOwner permissions }
        }
      }
    }
  }
`);

export const Members = graphql(`
  query Members($projectId: ID!, $first: Int, $after: String) {
    project(id: $projectId) {
      id
      fullTitle
      members(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id role inherited expiresAt user { id username name } } }
      }
    }
  }
`);

export const Invite = graphql(`
  mutation Invite($input: InviteInput!) {
    invite(input: $input) { id email role status expiresAt }
  }
`);

export const MyInvitations = graphql(`
  query MyInvitations {
    myInvitations { id role expiresAt project { id fullTitle } issuer { username } }
  }
`);

export const AcceptInvitation = graphql(`
  mutation AcceptInvitation($id: ID!) {
    acceptInvitation(id: $id) { id role project { id fullTitle } }
  }
`);

/** What the page behind an invitation link does, for a front end of your own. */
export const AcceptInvitationByToken = graphql(`
  mutation AcceptInvitationByToken($token: String!, $signup: SignupInput) {
    acceptInvitationByToken(token: $token, signup: $signup) {
      accessToken
      refreshToken
      expiresAt
      user { id username }
    }
  }
`);

export const CreateResource = graphql(`
  mutation CreateResource($input: CreateResourceInput!) {
    createResource(input: $input) { id name kind myAccess }
  }
`);

/** An ACL change: safety level and shares of a resource (and, with cascade, below it). */
export const SetAcl = graphql(`
  mutation SetAcl($input: SetAclInput!) {
    setAcl(input: $input) {
      resource { id name }
      safetyLevel
      sharedWith { access user { id username } }
    }
  }
`);
