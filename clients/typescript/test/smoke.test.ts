// Runs the typed operations against a freshly started Roster: `ROSTER_BIN` names the
// binary; the test makes a temporary SQLite database, a superuser with the
// `create-superuser` command, and a server on a free loopback port.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import {
  AcceptInvitation,
  CreateProject,
  CreateResource,
  CreateUser,
  Dashboard,
  Invite,
  Login,
  Members,
  MyInvitations,
  Refresh,
  RosterClient,
  RosterError,
  SetAcl,
} from "../src/index.js";

const PASSWORD = "correct horse battery staple";
let server: ChildProcess | undefined;
let workDir = "";
let url = "";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

before(async () => {
  const bin = process.env.ROSTER_BIN;
  assert.ok(bin, "set ROSTER_BIN to the roster binary (e.g. target/debug/roster)");
  workDir = mkdtempSync(join(tmpdir(), "roster-client-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(workDir, "roster.db")}?mode=rwc`,
    ROSTER_BIND: `127.0.0.1:${port}`,
    ROSTER_PUBLIC_URL: base,
    ROSTER_JWT_SECRET: "a secret for the typed client's smoke test only",
    RUST_LOG: "warn",
  };
  execFileSync(bin, ["create-superuser", "--username", "admin", "--email", "admin@example.org"], {
    env: { ...env, ROSTER_PASSWORD: PASSWORD },
    stdio: ["ignore", "ignore", "inherit"],
  });
  server = spawn(bin, ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  url = `${base}/graphql`;
});

after(() => {
  server?.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function signIn(username: string, password: string, persistedQueries = false) {
  const client = new RosterClient({ url, persistedQueries });
  const { login } = await client.execute(Login, { username, password });
  client.token = login.accessToken;
  return { client, login };
}

test("a front end signs in, refreshes and sees a wrong password refused", async () => {
  const { client, login } = await signIn("admin", PASSWORD);
  assert.equal(login.user.isSuperuser, true);
  const { refreshToken } = await client.execute(Refresh, { refreshToken: login.refreshToken });
  assert.notEqual(refreshToken.refreshToken, login.refreshToken);
  await assert.rejects(
    new RosterClient({ url }).execute(Login, { username: "admin", password: "wrong" }),
    (error: unknown) => error instanceof RosterError && error.code === "UNAUTHENTICATED",
  );
});

test("the dashboard, members, an invitation accepted and an ACL change", async () => {
  const { client: admin } = await signIn("admin", PASSWORD, true);
  const { createProject: lab } = await admin.execute(CreateProject, { input: { title: "Lab", type: "CATEGORY" } });
  const { createProject: study } = await admin.execute(CreateProject, {
    input: { title: "Study", type: "PROJECT", parentId: lab.id },
  });
  assert.equal(study.fullTitle, "Lab / Study");

  const dashboard = await admin.execute(Dashboard, { first: 10 });
  const shown = dashboard.projects.edges.map((edge) => edge.node);
  const studyRow = shown.find((project) => project.id === study.id);
  assert.equal(studyRow?.myAccess?.role, "OWNER");
  assert.ok(studyRow?.myAccess?.permissions.includes("MANAGE_MEMBERS"));
  // Again, by hash alone: the server keeps the document now.
  assert.equal((await admin.execute(Dashboard, { first: 10 })).projects.totalCount, dashboard.projects.totalCount);

  const { createUser: bob } = await admin.execute(CreateUser, {
    input: { username: "bob", email: "bob@example.org", password: PASSWORD },
  });
  const { invite } = await admin.execute(Invite, {
    input: { projectId: study.id, email: "bob@example.org", role: "GUEST" },
  });
  assert.equal(invite.status, "PENDING");

  const { client: bobClient } = await signIn("bob", PASSWORD);
  const { myInvitations } = await bobClient.execute(MyInvitations);
  assert.equal(myInvitations.length, 1);
  const { acceptInvitation } = await bobClient.execute(AcceptInvitation, { id: myInvitations[0]!.id });
  assert.equal(acceptInvitation.role, "GUEST");

  const { project } = await admin.execute(Members, { projectId: study.id, first: 20 });
  const members = project?.members.edges.map(
    ({ node }) => `${node.user.username} ${node.role}${node.inherited ? " from Lab" : ""}`,
  );
  assert.deepEqual(members?.sort(), ["admin OWNER", "admin OWNER from Lab", "bob GUEST"]);

  const { createResource } = await admin.execute(CreateResource, {
    input: { projectId: study.id, kind: "dataset", name: "raw reads" },
  });
  const { setAcl } = await admin.execute(SetAcl, {
    input: { resourceId: createResource.id, safetyLevel: "PRIVATE", sharedWith: [{ userId: bob.id, access: "READ" }] },
  });
  assert.equal(setAcl[0]?.safetyLevel, "PRIVATE");
  assert.deepEqual(setAcl[0]?.sharedWith.map((share) => share.user.username), ["bob"]);
});
