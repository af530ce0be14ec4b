/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

export type AccessChange = {
  /** The audit action behind the change: "role.assign", "project.archive", … */
  action: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  /** Null when the viewer can no longer find it, or `projectId` is null. */
  project?: Maybe<Project>;
  /** Where the grant changed; null when many places changed at once: refetch all. */
  projectId?: Maybe<Scalars['ID']['output']>;
};

export type AccessSource = {
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Set when kind is GROUP: the group holding the grant. */
  group?: Maybe<Group>;
  kind: AccessSourceKind;
  /**
   * Where the grant is held: the project itself or an ancestor (a grant there lets
   * the viewer find it).
   */
  project: Project;
  role: Role;
};

export type AccessSourceKind =
  | 'DIRECT'
  /** Held by a group the viewer belongs to, here or on an ancestor. */
  | 'GROUP'
  | 'INHERITED'
  | 'PUBLIC'
  | 'SUPERUSER';

export type Acl = {
  resource: Resource;
  safetyLevel: SafetyLevel;
  sharedWith: Array<Share>;
};

export type ApiToken = {
  createdAt: Scalars['DateTime']['output'];
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the secret, to recognise it. */
  prefix: Scalars['String']['output'];
};

export type AuditEvent = {
  /** `area.verb`: "project.create", "role.assign", "invitation.accept", … */
  action: Scalars['String']['output'];
  /** Null for the system or a deleted account. */
  actor?: Maybe<User>;
  createdAt: Scalars['DateTime']['output'];
  /** What changed; never secrets. */
  details?: Maybe<Scalars['JSON']['output']>;
  id: Scalars['ID']['output'];
  projectId?: Maybe<Scalars['ID']['output']>;
  targetId?: Maybe<Scalars['ID']['output']>;
};

export type AuditEventConnection = {
  /** A list of edges. */
  edges: Array<AuditEventEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type AuditEventEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: AuditEvent;
};

export type AuthPayload = {
  /** JWT for `Authorization: Bearer …`, short-lived. */
  accessToken: Scalars['String']['output'];
  /** When the access token expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** Opaque, single use: trade it for a new session with `refreshToken`. */
  refreshToken: Scalars['String']['output'];
  user: User;
};

export type CreateProjectInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  /** Superusers only: who owns the new project (default: the creator). */
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  parentId?: InputMaybe<Scalars['ID']['input']>;
  publicAccess?: InputMaybe<Role>;
  readme?: InputMaybe<Scalars['String']['input']>;
  title: Scalars['String']['input'];
  type: ProjectType;
};

export type CreateResourceInput = {
  /** 1–64 characters: "dataset", "model", … */
  kind: Scalars['String']['input'];
  /** 1–255 characters, unique among siblings (ignoring case). */
  name: Scalars['String']['input'];
  /** A resource of the same project to nest under. */
  parentId?: InputMaybe<Scalars['ID']['input']>;
  projectId: Scalars['ID']['input'];
  safetyLevel?: InputMaybe<SafetyLevel>;
};

export type CreateUserInput = {
  email: Scalars['String']['input'];
  isSuperuser?: InputMaybe<Scalars['Boolean']['input']>;
  isSystem?: InputMaybe<Scalars['Boolean']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
  username: Scalars['String']['input'];
};

export type Group = {
  createdAt: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Its members, by user. */
  members: GroupMemberConnection;
  /** The viewer's place in the group; null: not a member. */
  myMembership?: Maybe<GroupMemberRole>;
  /** 1–100 characters; not unique (groups are known by id). */
  name: Scalars['String']['output'];
  /** The roles the group holds, only in projects the viewer may VIEW. */
  roleAssignments: GroupRoleAssignmentConnection;
};


export type GroupMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type GroupRoleAssignmentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type GroupConnection = {
  /** A list of edges. */
  edges: Array<GroupEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type GroupEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Group;
};

export type GroupMember = {
  addedAt: Scalars['DateTime']['output'];
  role: GroupMemberRole;
  user: User;
};

export type GroupMemberConnection = {
  /** A list of edges. */
  edges: Array<GroupMemberEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type GroupMemberEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: GroupMember;
};

/** A user's place in a group. */
export type GroupMemberRole =
  /** Changes the group, its members and its name; removes its grants. */
  | 'MANAGER'
  /** Holds what the group is granted. */
  | 'MEMBER';

export type GroupRoleAssignment = {
  createdAt: Scalars['DateTime']['output'];
  /** After it, the assignment grants nothing. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  group: Group;
  id: Scalars['ID']['output'];
  /** True when it stems from an ancestor category. */
  inherited: Scalars['Boolean']['output'];
  /** The project or category the role is held on. */
  project: Project;
  /** CONTRIBUTOR, GUEST, VIEWER or FINDER; never OWNER or DELEGATE. */
  role: Role;
};

export type GroupRoleAssignmentConnection = {
  /** A list of edges. */
  edges: Array<GroupRoleAssignmentEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type GroupRoleAssignmentEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: GroupRoleAssignment;
};

export type Invitation = {
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Null when the issuer's account is gone. */
  issuer?: Maybe<User>;
  message?: Maybe<Scalars['String']['output']>;
  project: Project;
  role: Role;
  /** PENDING past its expiry reads as EXPIRED. */
  status: InvitationStatus;
};

export type InvitationConnection = {
  /** A list of edges. */
  edges: Array<InvitationEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type InvitationEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Invitation;
};

export type InvitationStatus =
  | 'ACCEPTED'
  | 'DECLINED'
  | 'EXPIRED'
  | 'PENDING'
  | 'REVOKED';

export type InviteInput = {
  email: Scalars['String']['input'];
  /** 1–365; default 14 (ROSTER_INVITATION_EXPIRY_DAYS). */
  expiresInDays?: InputMaybe<Scalars['Int']['input']>;
  /** Shown in the email, at most 2000 characters. */
  message?: InputMaybe<Scalars['String']['input']>;
  projectId: Scalars['ID']['input'];
  role: Role;
};

export type Mutation = {
  /** Accepts an invitation addressed to the viewer's email. */
  acceptInvitation: RoleAssignment;
  /**
   * Accepts by the link's secret and signs in: with `signup`, as a new account
   * with the invitation's email; without, as the signed-in user it is addressed to.
   */
  acceptInvitationByToken: AuthPayload;
  /** Adds a user to a group; managers. */
  addGroupMember: GroupMember;
  /** Makes a project read-only. */
  archiveProject: Project;
  /**
   * Gives a group a role in a project: needs MANAGE_MEMBERS there, a role the
   * viewer may grant (CONTRIBUTOR, GUEST, VIEWER; FINDER on categories) and
   * membership of the group.
   */
  assignGroupRole: GroupRoleAssignment;
  /**
   * Gives a user a direct role: a DELEGATE may grant up to CONTRIBUTOR, the OWNER
   * up to DELEGATE. OWNER changes hands only through transferOwnership.
   */
  assignRole: RoleAssignment;
  /** Changes the viewer's password and ends all their sessions. */
  changePassword: Scalars['Boolean']['output'];
  createApiToken: NewApiToken;
  /** Creates a group; the creator becomes its first manager. */
  createGroup: Group;
  /** Creates a project or category; the creator (or ownerId) becomes its owner. */
  createProject: Project;
  /** Creates a resource (WRITE on the project); the creator owns it. */
  createResource: Resource;
  /** Creates an account (superusers only). */
  createUser: User;
  declineInvitation: Invitation;
  /** Deletes a group and the roles it holds; managers. Returns its id. */
  deleteGroup: Scalars['ID']['output'];
  /** Deletes a project and everything in it; a category must be empty. */
  deleteProject: Scalars['ID']['output'];
  /** Deletes a resource (READ_WRITE on it) and everything nested under it. */
  deleteResource: Scalars['ID']['output'];
  /** Deletes an account (superusers only); refused while the user owns a project. */
  deleteUser: User;
  /**
   * Invites an email address (with or without an account) into a project, with
   * a role the inviter may grant, and sends the email.
   */
  invite: Invitation;
  /** Gives up the viewer's direct role in a project. Returns the project's id. */
  leaveProject: Scalars['ID']['output'];
  /** Signs in with a username or email and a password. */
  login: AuthPayload;
  /** Ends the session the refresh token belongs to. False when it had already ended. */
  logout: Scalars['Boolean']['output'];
  /** Trades a refresh token for a new session; the old token is spent. */
  refreshToken: AuthPayload;
  /**
   * Removes a member (managers) or leaves (the member); never the last manager.
   * Returns the user's id.
   */
  removeGroupMember: Scalars['ID']['output'];
  /**
   * Removes a group's role: MANAGE_MEMBERS, or a manager of the group. Returns
   * its id.
   */
  removeGroupRoleAssignment: Scalars['ID']['output'];
  /** Removes an assignment (not the owner's). Returns its id. */
  removeRoleAssignment: Scalars['ID']['output'];
  /**
   * Always true, whether or not the address belongs to an account (no
   * enumeration); when it is the verified address of an active account, an
   * email with a one-time reset link (valid for an hour) goes out.
   */
  requestPasswordReset: Scalars['Boolean']['output'];
  /**
   * Sends the verification email for the viewer's pending address again, with a
   * new link. False when no address is pending.
   */
  resendEmailVerification: Scalars['Boolean']['output'];
  /** Renews the expiry and sends the email again with a new link. */
  resendInvitation: Invitation;
  /** Sets a new password with the secret from the reset email; ends every session. */
  resetPassword: Scalars['Boolean']['output'];
  /**
   * Removes a stored value so that the default applies again. The definition's
   * scope says what to give: projectId for PROJECT, projectId (and userId) for
   * PROJECT_USER, nothing (or userId) for USER. Who may: as for setting it.
   */
  resetSetting: Setting;
  revokeApiToken: Scalars['Boolean']['output'];
  revokeInvitation: Invitation;
  /**
   * Replaces a resource's safety level and shares (and, with cascade, those of
   * everything nested under it, in one transaction). Returns every changed ACL.
   */
  setAcl: Array<Acl>;
  /** Applies many ACLs all or nothing: one bad item fails the call, naming it. */
  setAcls: Array<Acl>;
  /**
   * Sets a PROJECT setting (MANAGE_SETTINGS; superusers only when not
   * userModifiable).
   */
  setProjectSetting: Setting;
  /**
   * Sets the viewer's own PROJECT_USER setting in a project (superusers: anyone's,
   * with userId).
   */
  setProjectUserSetting: Setting;
  /** Sets one of the viewer's USER settings (superusers: anyone's, with userId). */
  setUserSetting: Setting;
  /** Makes a member the owner; the old owner keeps `oldOwnerRole`, or leaves when null. */
  transferOwnership: Project;
  unarchiveProject: Project;
  /** Renames a group or changes its description (null clears it); managers. */
  updateGroup: Group;
  /** Promotes or demotes a member; managers. The last manager is never demoted. */
  updateGroupMember: GroupMember;
  /**
   * Changes a group's role; MANAGE_MEMBERS. Leaving out `expiresAt` keeps the
   * expiry; null removes it.
   */
  updateGroupRoleAssignment: GroupRoleAssignment;
  updateProject: Project;
  /** Changes a role. Leaving out `expiresAt` keeps the expiry; null removes it. */
  updateRoleAssignment: RoleAssignment;
  /**
   * Changes an account. Superusers may change anything; users their own name,
   * email and password, the last two with `currentPassword`. A user's own new
   * email stays `pendingEmail` until the link sent to it is used. Deactivating or
   * setting a password ends the user's sessions.
   */
  updateUser: User;
  /** Confirms a pending email change with the secret from the verification email. */
  verifyEmail: User;
};


export type MutationAcceptInvitationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationAcceptInvitationByTokenArgs = {
  signup?: InputMaybe<SignupInput>;
  token: Scalars['String']['input'];
};


export type MutationAddGroupMemberArgs = {
  groupId: Scalars['ID']['input'];
  role?: InputMaybe<GroupMemberRole>;
  userId: Scalars['ID']['input'];
};


export type MutationArchiveProjectArgs = {
  id: Scalars['ID']['input'];
};


export type MutationAssignGroupRoleArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  groupId: Scalars['ID']['input'];
  projectId: Scalars['ID']['input'];
  role: Role;
};


export type MutationAssignRoleArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  projectId: Scalars['ID']['input'];
  role: Role;
  userId: Scalars['ID']['input'];
};


export type MutationChangePasswordArgs = {
  newPassword: Scalars['String']['input'];
  oldPassword: Scalars['String']['input'];
};


export type MutationCreateApiTokenArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  name: Scalars['String']['input'];
};


export type MutationCreateGroupArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};


export type MutationCreateProjectArgs = {
  input: CreateProjectInput;
};


export type MutationCreateResourceArgs = {
  input: CreateResourceInput;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeclineInvitationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteGroupArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteProjectArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteResourceArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteUserArgs = {
  id: Scalars['ID']['input'];
};


export type MutationInviteArgs = {
  input: InviteInput;
};


export type MutationLeaveProjectArgs = {
  projectId: Scalars['ID']['input'];
};


export type MutationLoginArgs = {
  password: Scalars['String']['input'];
  username: Scalars['String']['input'];
};


export type MutationLogoutArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRefreshTokenArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRemoveGroupMemberArgs = {
  groupId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


export type MutationRemoveGroupRoleAssignmentArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRemoveRoleAssignmentArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
};


export type MutationResendInvitationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationResetPasswordArgs = {
  newPassword: Scalars['String']['input'];
  token: Scalars['String']['input'];
};


export type MutationResetSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  projectId?: InputMaybe<Scalars['ID']['input']>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationRevokeApiTokenArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeInvitationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetAclArgs = {
  input: SetAclInput;
};


export type MutationSetAclsArgs = {
  inputs: Array<SetAclInput>;
};


export type MutationSetProjectSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  projectId: Scalars['ID']['input'];
  value: Scalars['JSON']['input'];
};


export type MutationSetProjectUserSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  projectId: Scalars['ID']['input'];
  userId?: InputMaybe<Scalars['ID']['input']>;
  value: Scalars['JSON']['input'];
};


export type MutationSetUserSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  userId?: InputMaybe<Scalars['ID']['input']>;
  value: Scalars['JSON']['input'];
};


export type MutationTransferOwnershipArgs = {
  newOwnerId: Scalars['ID']['input'];
  oldOwnerRole?: InputMaybe<Role>;
  projectId: Scalars['ID']['input'];
};


export type MutationUnarchiveProjectArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUpdateGroupArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
};


export type MutationUpdateGroupMemberArgs = {
  groupId: Scalars['ID']['input'];
  role: GroupMemberRole;
  userId: Scalars['ID']['input'];
};


export type MutationUpdateGroupRoleAssignmentArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
  role: Role;
};


export type MutationUpdateProjectArgs = {
  id: Scalars['ID']['input'];
  input: UpdateProjectInput;
};


export type MutationUpdateRoleAssignmentArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  id: Scalars['ID']['input'];
  role: Role;
};


export type MutationUpdateUserArgs = {
  id: Scalars['ID']['input'];
  input: UpdateUserInput;
};


export type MutationVerifyEmailArgs = {
  token: Scalars['String']['input'];
};

export type NewApiToken = {
  apiToken: ApiToken;
  /** The secret: the only time it is shown. Send it as `Authorization: Bearer …`. */
  token: Scalars['String']['output'];
};

/** Information about pagination in a connection */
export type PageInfo = {
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** What a role lets one do, in one place (see DESIGN.md, "The permission matrix"). */
export type Permission =
  /** Archive and unarchive. */
  | 'ARCHIVE'
  /** Delete the project. */
  | 'DELETE'
  /** Run work on its resources. */
  | 'EXECUTE'
  /** Know the project exists: id, title, type, parent. */
  | 'FIND'
  /** Invite, assign and remove roles below one's own. */
  | 'MANAGE_MEMBERS'
  /** Change project settings. */
  | 'MANAGE_SETTINGS'
  /** Read its resources. */
  | 'READ'
  | 'TRANSFER_OWNERSHIP'
  /** Change title, description, readme, public access, parent. */
  | 'UPDATE_PROJECT'
  /** See its metadata and member list. */
  | 'VIEW'
  /** Create and change its resources. */
  | 'WRITE';

export type Project = {
  archived: Scalars['Boolean']['output'];
  /**
   * What a category holds; always empty for a project. Needs a grant here (or
   * above): a project only introduced by an invitation or a resource shows nothing.
   */
  children: ProjectConnection;
  createdAt: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  /** The project's audit trail, newest first. */
  events: AuditEventConnection;
  /** "Category / Sub-category / Project". */
  fullTitle: Scalars['String']['output'];
  /**
   * Groups holding roles here, directly or from ancestors (those the viewer may
   * find), nearest first; needs VIEW.
   */
  groupAssignments: GroupRoleAssignmentConnection;
  id: Scalars['ID']['output'];
  /** Invitations, newest first, optionally of one status. */
  invitations: InvitationConnection;
  /** Direct assignments, then those inherited from each ancestor category. */
  members: RoleAssignmentConnection;
  /** What the viewer may do here, and why; null when nothing. */
  myAccess?: Maybe<ProjectAccess>;
  /** The one direct owner. */
  owner?: Maybe<User>;
  /**
   * The category holding this one; null at the top level or when the viewer may
   * not find it.
   */
  parent?: Maybe<Project>;
  /** GUEST or VIEWER for every signed-in user; null: none. */
  publicAccess?: Maybe<Role>;
  /** Markdown. */
  readme?: Maybe<Scalars['String']['output']>;
  /** The project's resources the viewer may read, optionally of one kind. */
  resources: ResourceConnection;
  /**
   * One of this project's settings; for a PROJECT_USER definition, the viewer's
   * own value here. Batched across a list of projects.
   */
  setting: Setting;
  title: Scalars['String']['output'];
  type: ProjectType;
  updatedAt: Scalars['DateTime']['output'];
};


export type ProjectChildrenArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type ProjectEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type ProjectGroupAssignmentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type ProjectInvitationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<InvitationStatus>;
};


export type ProjectMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type ProjectResourcesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  kind?: InputMaybe<Scalars['String']['input']>;
};


export type ProjectSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
};

export type ProjectAccess = {
  /** The role comes from an ancestor category or public access. */
  inherited: Scalars['Boolean']['output'];
  /** The viewer is the project's direct owner. */
  isOwner: Scalars['Boolean']['output'];
  /** The owner's email, for those who may view the project and see that email. */
  ownerEmail?: Maybe<Scalars['String']['output']>;
  permissions: Array<Permission>;
  /** The effective role: the highest grant that applies. */
  role: Role;
  /** Every grant that applies, highest first. */
  sources: Array<AccessSource>;
};

export type ProjectConnection = {
  /** A list of edges. */
  edges: Array<ProjectEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ProjectEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Project;
};

export type ProjectType =
  | 'CATEGORY'
  | 'PROJECT';

export type Query = {
  /** A resource's ACL, for those who may change it. */
  acl: Acl;
  /** The viewer's API tokens. */
  apiTokens: Array<ApiToken>;
  /** Every event, newest first (superusers). */
  auditEvents: AuditEventConnection;
  /**
   * Whether the viewer (or, for superusers and those who manage the project's
   * members, another user) holds a permission on a project.
   */
  checkPermission: Scalars['Boolean']['output'];
  /**
   * A group; null (NOT_FOUND) unless the viewer may see it: its members, holders
   * of a non-public role in a project where it holds a grant, and superusers.
   */
  group?: Maybe<Group>;
  /** The viewer's groups (superusers: all), by name; `search` matches names. */
  groups: GroupConnection;
  /** The invitation behind the link in an invitation email, for whoever holds it. */
  invitationByToken?: Maybe<Invitation>;
  /** The signed-in user; null when anonymous. */
  me?: Maybe<User>;
  /** The PENDING invitations addressed to the viewer's email. */
  myInvitations: Array<Invitation>;
  /** A project or category; null (NOT_FOUND) unless the viewer may find it. */
  project?: Maybe<Project>;
  /**
   * A user's PROJECT_USER setting in a project: the viewer's own, or with userId
   * (superusers, and the project's OWNER and DELEGATEs) someone else's.
   */
  projectUserSetting: Setting;
  /**
   * Every project and category the viewer may find, by title. `starred: true`
   * keeps those the viewer starred (`roster.starred`), `false` the others.
   */
  projects: ProjectConnection;
  /**
   * Everything the viewer may read across all projects (another user's: for
   * superusers), by creation.
   */
  readableResources: ResourceConnection;
  /** A resource; null (NOT_FOUND) unless the viewer may read it. */
  resource?: Maybe<Resource>;
  /** Every setting definition, or those of one scope. */
  settingDefinitions: Array<SettingDefinition>;
  /** One account, for any signed-in viewer. */
  user?: Maybe<User>;
  /** One of the viewer's USER settings (superusers: any user's, with userId). */
  userSetting: Setting;
  /** Accounts ordered by username. System accounts only for superusers who ask. */
  users: UserConnection;
};


export type QueryAclArgs = {
  resourceId: Scalars['ID']['input'];
};


export type QueryAuditEventsArgs = {
  actorId?: InputMaybe<Scalars['ID']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  projectId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryCheckPermissionArgs = {
  permission: Permission;
  projectId?: InputMaybe<Scalars['ID']['input']>;
  resourceId?: InputMaybe<Scalars['ID']['input']>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryGroupArgs = {
  id: Scalars['ID']['input'];
};


export type QueryGroupsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryInvitationByTokenArgs = {
  token: Scalars['String']['input'];
};


export type QueryProjectArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProjectUserSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  projectId: Scalars['ID']['input'];
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryProjectsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  includeArchived?: InputMaybe<Scalars['Boolean']['input']>;
  parentId?: InputMaybe<Scalars['ID']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  starred?: InputMaybe<Scalars['Boolean']['input']>;
  type?: InputMaybe<ProjectType>;
};


export type QueryReadableResourcesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  kind?: InputMaybe<Scalars['String']['input']>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryResourceArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySettingDefinitionsArgs = {
  scope?: InputMaybe<SettingScope>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUserSettingArgs = {
  name: Scalars['String']['input'];
  namespace: Scalars['String']['input'];
  userId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  includeSystemUsers?: InputMaybe<Scalars['Boolean']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};

export type Resource = {
  /** The nested resources the viewer may read. */
  children: ResourceConnection;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** "dataset", "model", … chosen by the client. */
  kind: Scalars['String']['output'];
  /** What the viewer may do with it; null: nothing. */
  myAccess?: Maybe<ShareAccess>;
  name: Scalars['String']['output'];
  owner: User;
  /** The resource this one nests under; null at the top or when unreadable. */
  parent?: Maybe<Resource>;
  /**
   * The project it belongs to; a reader who may not find the project through a
   * grant sees only its name.
   */
  project: Project;
  safetyLevel: SafetyLevel;
  /** Visible to those who may change the ACL. */
  sharedWith: Array<Share>;
};


export type ResourceChildrenArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ResourceConnection = {
  /** A list of edges. */
  edges: Array<ResourceEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ResourceEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Resource;
};

/** Highest first. A role includes every capability of the roles below it. */
export type Role =
  | 'CONTRIBUTOR'
  | 'DELEGATE'
  | 'FINDER'
  | 'GUEST'
  | 'OWNER'
  | 'VIEWER';

export type RoleAssignment = {
  createdAt: Scalars['DateTime']['output'];
  /** After it, the assignment grants nothing. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** True when it stems from an ancestor category. */
  inherited: Scalars['Boolean']['output'];
  /** The project or category the assignment is held on. */
  project: Project;
  role: Role;
  user: User;
};

export type RoleAssignmentConnection = {
  /** A list of edges. */
  edges: Array<RoleAssignmentEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type RoleAssignmentEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: RoleAssignment;
};

/** G-Node's public / friendly / private. */
export type SafetyLevel =
  /** Readable by the project's members, by role. */
  | 'INTERNAL'
  /** Only the owner, the project's OWNER and DELEGATEs, and those it is shared with. */
  | 'PRIVATE'
  /** Readable by anyone, even anonymous. */
  | 'PUBLIC';

export type SetAclInput = {
  /** Apply the same ACL to every resource nested under this one. */
  cascade?: InputMaybe<Scalars['Boolean']['input']>;
  resourceId: Scalars['ID']['input'];
  safetyLevel: SafetyLevel;
  sharedWith: Array<ShareInput>;
};

export type Setting = {
  definition: SettingDefinition;
  /** Nothing is stored: the value is the definition's default. */
  isDefault: Scalars['Boolean']['output'];
  /** Set for PROJECT and PROJECT_USER settings. */
  projectId?: Maybe<Scalars['ID']['output']>;
  /** Set for PROJECT_USER and USER settings. */
  userId?: Maybe<Scalars['ID']['output']>;
  /**
   * Typed per definition.type; the default when unset. Null for a secret unless
   * the viewer is a superuser.
   */
  value?: Maybe<Scalars['JSON']['output']>;
};

export type SettingDefinition = {
  /** What an unset value reads as; null for a secret unless the viewer is a superuser. */
  default?: Maybe<Scalars['JSON']['output']>;
  description?: Maybe<Scalars['String']['output']>;
  /** The largest value accepted, in bytes of compact JSON. */
  maxBytes: Scalars['Int']['output'];
  name: Scalars['String']['output'];
  /** `roster` for the built-ins; others come from the settings file. */
  namespace: Scalars['String']['output'];
  /** The allowed values, when restricted. */
  options?: Maybe<Array<Scalars['JSON']['output']>>;
  /** The JSON Schema values must satisfy, if any. */
  schema?: Maybe<Scalars['JSON']['output']>;
  scope: SettingScope;
  /** Values are write-only for all but superusers, and never logged or audited. */
  secret: Scalars['Boolean']['output'];
  type: SettingType;
  /** False: only superusers may change it. */
  userModifiable: Scalars['Boolean']['output'];
};

/** Whom a setting's value belongs to. */
export type SettingScope =
  /** One value per project. */
  | 'PROJECT'
  /** One value per user and project. */
  | 'PROJECT_USER'
  /** One value per user. */
  | 'USER';

/** The JSON type of a setting's value. */
export type SettingType =
  | 'BOOLEAN'
  /** A whole number that fits in 64 bits. */
  | 'INTEGER'
  /** Any JSON value, optionally held to a JSON Schema. */
  | 'JSON'
  | 'STRING';

export type Share = {
  access: ShareAccess;
  user: User;
};

export type ShareAccess =
  | 'READ'
  | 'READ_WRITE';

export type ShareInput = {
  access: ShareAccess;
  userId: Scalars['ID']['input'];
};

/** A new account made while accepting an invitation; its email is the invitation's. */
export type SignupInput = {
  name?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
  username: Scalars['String']['input'];
};

export type Subscription = {
  /** A new invitation for the viewer's verified email. */
  invitationReceived: Invitation;
  /** The viewer's own access changed somewhere. */
  myAccessChanged: AccessChange;
  /**
   * Every audit event of one project as it commits; needs MANAGE_MEMBERS there (as
   * `Project.events`) and ends with FORBIDDEN when that is lost. With `after` (a
   * cursor of `Project.events`), first replays what committed after it, then goes
   * live: no gap, no duplicate.
   */
  projectEvents: AuditEvent;
};


export type SubscriptionProjectEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  projectId: Scalars['ID']['input'];
};

export type UpdateProjectInput = {
  clearPublicAccess?: InputMaybe<Scalars['Boolean']['input']>;
  /** Null clears it. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Moves the project under another category; null moves it to the top level. */
  parentId?: InputMaybe<Scalars['ID']['input']>;
  /** GUEST or VIEWER; use clearPublicAccess to remove it. */
  publicAccess?: InputMaybe<Role>;
  /** Null clears it. */
  readme?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateUserInput = {
  /** Required when users change their own email or password this way. */
  currentPassword?: InputMaybe<Scalars['String']['input']>;
  email?: InputMaybe<Scalars['String']['input']>;
  isActive?: InputMaybe<Scalars['Boolean']['input']>;
  isSuperuser?: InputMaybe<Scalars['Boolean']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  password?: InputMaybe<Scalars['String']['input']>;
};

export type User = {
  createdAt: Scalars['DateTime']['output'];
  /**
   * Null unless the viewer is this user, a superuser, or a member of a project
   * this user joined by their own act (or was assigned to by a superuser).
   */
  email?: Maybe<Scalars['String']['output']>;
  /** Whether `email` is proven; self and superusers only, else null. */
  emailVerified?: Maybe<Scalars['Boolean']['output']>;
  id: Scalars['ID']['output'];
  isActive: Scalars['Boolean']['output'];
  isSuperuser: Scalars['Boolean']['output'];
  /** System accounts (services, robots) are hidden from `users` by default. */
  isSystem: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** An address waiting for confirmation; self and superusers only, else null. */
  pendingEmail?: Maybe<Scalars['String']['output']>;
  /** Unique, lower-case. */
  username: Scalars['String']['output'];
};

export type UserConnection = {
  /** A list of edges. */
  edges: Array<UserEdge>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items the whole list holds, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type UserEdge = {
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: User;
};

export type LoginMutationVariables = Exact<{
  username: Scalars['String']['input'];
  password: Scalars['String']['input'];
}>;


export type LoginMutation = { login: { accessToken: string, refreshToken: string, expiresAt: string, user: { id: string, username: string, isSuperuser: boolean } } };

export type RefreshMutationVariables = Exact<{
  refreshToken: Scalars['String']['input'];
}>;


export type RefreshMutation = { refreshToken: { accessToken: string, refreshToken: string, expiresAt: string } };

export type CreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type CreateUserMutation = { createUser: { id: string, username: string, email?: string | null } };

export type CreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type CreateProjectMutation = { createProject: { id: string, title: string, fullTitle: string, type: ProjectType } };

export type DashboardQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
}>;


export type DashboardQuery = { projects: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ node: { id: string, title: string, fullTitle: string, type: ProjectType, myAccess?: { role: Role, inherited: boolean, isOwner: boolean, permissions: Array<Permission> } | null } }> } };

export type MembersQueryVariables = Exact<{
  projectId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type MembersQuery = { project?: { id: string, fullTitle: string, members: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ node: { id: string, role: Role, inherited: boolean, expiresAt?: string | null, user: { id: string, username: string, name: string } } }> } } | null };

export type InviteMutationVariables = Exact<{
  input: InviteInput;
}>;


export type InviteMutation = { invite: { id: string, email: string, role: Role, status: InvitationStatus, expiresAt: string } };

export type MyInvitationsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyInvitationsQuery = { myInvitations: Array<{ id: string, role: Role, expiresAt: string, project: { id: string, fullTitle: string }, issuer?: { username: string } | null }> };

export type AcceptInvitationMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type AcceptInvitationMutation = { acceptInvitation: { id: string, role: Role, project: { id: string, fullTitle: string } } };

export type AcceptInvitationByTokenMutationVariables = Exact<{
  token: Scalars['String']['input'];
  signup?: InputMaybe<SignupInput>;
}>;


export type AcceptInvitationByTokenMutation = { acceptInvitationByToken: { accessToken: string, refreshToken: string, expiresAt: string, user: { id: string, username: string } } };

export type CreateResourceMutationVariables = Exact<{
  input: CreateResourceInput;
}>;


export type CreateResourceMutation = { createResource: { id: string, name: string, kind: string, myAccess?: ShareAccess | null } };

export type SetAclMutationVariables = Exact<{
  input: SetAclInput;
}>;


export type SetAclMutation = { setAcl: Array<{ safetyLevel: SafetyLevel, resource: { id: string, name: string }, sharedWith: Array<{ access: ShareAccess, user: { id: string, username: string } }> }> };

export type AssignRoleMutationVariables = Exact<{
  projectId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
  role: Role;
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
}>;


export type AssignRoleMutation = { assignRole: { id: string, role: Role, expiresAt?: string | null } };

export type MyAccessChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MyAccessChangedSubscription = { myAccessChanged: { projectId?: string | null, action: string, at: string, project?: { id: string, title: string, fullTitle: string, myAccess?: { role: Role, permissions: Array<Permission> } | null } | null } };

export type ProjectEventsSubscriptionVariables = Exact<{
  projectId: Scalars['ID']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type ProjectEventsSubscription = { projectEvents: { id: string, action: string, projectId?: string | null, targetId?: string | null, details?: unknown | null, createdAt: string, actor?: { id: string, username: string } | null } };


export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"password"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"password"},"value":{"kind":"Variable","name":{"kind":"Name","value":"password"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"isSuperuser"}}]}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const RefreshDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Refresh"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"refreshToken"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"refreshToken"},"value":{"kind":"Variable","name":{"kind":"Name","value":"refreshToken"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<RefreshMutation, RefreshMutationVariables>;
export const CreateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUserInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}}]} as unknown as DocumentNode<CreateUserMutation, CreateUserMutationVariables>;
export const CreateProjectDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateProject"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateProjectInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createProject"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}}]} as unknown as DocumentNode<CreateProjectMutation, CreateProjectMutationVariables>;
export const DashboardDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Dashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"projects"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"myAccess"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"inherited"}},{"kind":"Field","name":{"kind":"Name","value":"isOwner"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardQuery, DashboardQueryVariables>;
export const MembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Members"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"inherited"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<MembersQuery, MembersQueryVariables>;
export const InviteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Invite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InviteInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<InviteMutation, InviteMutationVariables>;
export const MyInvitationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyInvitations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myInvitations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}}]}},{"kind":"Field","name":{"kind":"Name","value":"issuer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}}]} as unknown as DocumentNode<MyInvitationsQuery, MyInvitationsQueryVariables>;
export const AcceptInvitationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcceptInvitation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acceptInvitation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}}]}}]}}]}}]} as unknown as DocumentNode<AcceptInvitationMutation, AcceptInvitationMutationVariables>;
export const AcceptInvitationByTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcceptInvitationByToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"token"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"signup"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SignupInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acceptInvitationByToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"token"},"value":{"kind":"Variable","name":{"kind":"Name","value":"token"}}},{"kind":"Argument","name":{"kind":"Name","value":"signup"},"value":{"kind":"Variable","name":{"kind":"Name","value":"signup"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}}]} as unknown as DocumentNode<AcceptInvitationByTokenMutation, AcceptInvitationByTokenMutationVariables>;
export const CreateResourceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateResource"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateResourceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createResource"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"myAccess"}}]}}]}}]} as unknown as DocumentNode<CreateResourceMutation, CreateResourceMutationVariables>;
export const SetAclDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetAcl"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetAclInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setAcl"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resource"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"safetyLevel"}},{"kind":"Field","name":{"kind":"Name","value":"sharedWith"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"access"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SetAclMutation, SetAclMutationVariables>;
export const AssignRoleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AssignRole"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Role"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiresAt"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"assignRole"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"projectId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}}},{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}},{"kind":"Argument","name":{"kind":"Name","value":"expiresAt"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiresAt"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<AssignRoleMutation, AssignRoleMutationVariables>;
export const MyAccessChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"MyAccessChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myAccessChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"projectId"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"fullTitle"}},{"kind":"Field","name":{"kind":"Name","value":"myAccess"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MyAccessChangedSubscription, MyAccessChangedSubscriptionVariables>;
export const ProjectEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ProjectEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"projectEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"projectId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"projectId"}},{"kind":"Field","name":{"kind":"Name","value":"targetId"}},{"kind":"Field","name":{"kind":"Name","value":"details"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}}]} as unknown as DocumentNode<ProjectEventsSubscription, ProjectEventsSubscriptionVariables>;