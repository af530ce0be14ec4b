// A small executor for the typed documents: it infers the result and the variables
// from the document, sends the access token, and speaks Roster's automatic persisted
// queries (a SHA-256 hash instead of the document once the server has it).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, print } from "graphql";

/** One error of a GraphQL response; `extensions.code` is one of Roster's codes. */
export interface RosterGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A response with errors. `code` is the first error's `extensions.code`. */
export class RosterError extends Error {
  readonly code: string | undefined;
  constructor(readonly errors: ReadonlyArray<RosterGraphQLError>) {
    super(errors.map((error) => error.message).join("; "));
    this.name = "RosterError";
    this.code = errors[0]?.extensions?.code;
  }
}

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. `https://roster.example.org/graphql`. */
  url: string;
  /** Send a hash first and the document only when the server does not know it. */
  persistedQueries?: boolean;
  /** Another fetch (tests, older runtimes). */
  fetch?: typeof fetch;
}

/** Operations without variables may leave them out; others must pass them. */
type VariablesArgument<TVariables> = TVariables extends { [key: string]: never }
  ? [variables?: TVariables]
  : [variables: TVariables];

interface Body {
  query?: string;
  variables?: unknown;
  operationName?: string;
  extensions?: { persistedQuery: { version: 1; sha256Hash: string } };
}

interface Reply<TResult> {
  data?: TResult | null;
  errors?: RosterGraphQLError[];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class RosterClient {
  /** The access token (or API token) sent as `Authorization: Bearer …`. */
  token: string | undefined;
  private readonly printed = new WeakMap<DocumentNode, { query: string; hash: string | undefined }>();

  constructor(private readonly options: ClientOptions) {}

  /** Runs a document; resolves to its `data`, or throws a RosterError. */
  async execute<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<TResult> {
    const { query, hash } = await this.prepare(document);
    let reply: Reply<TResult>;
    if (hash) {
      const persistedQuery = { version: 1 as const, sha256Hash: hash };
      reply = await this.send<TResult>({ variables, extensions: { persistedQuery } });
      if (reply.errors?.some((error) => error.message === "PersistedQueryNotFound")) {
        reply = await this.send<TResult>({ query, variables, extensions: { persistedQuery } });
      }
    } else {
      reply = await this.send<TResult>({ query, variables });
    }
    if (reply.errors && reply.errors.length > 0) throw new RosterError(reply.errors);
    if (reply.data == null) throw new RosterError([{ message: "no data in the response" }]);
    return reply.data;
  }

  private async prepare(document: DocumentNode) {
    let entry = this.printed.get(document);
    if (!entry) {
      const query = print(document);
      entry = { query, hash: this.options.persistedQueries ? await sha256Hex(query) : undefined };
      this.printed.set(document, entry);
    }
    return entry;
  }

  private async send<TResult>(body: Body): Promise<Reply<TResult>> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const fetcher = this.options.fetch ?? fetch;
    const response = await fetcher(this.options.url, { method: "POST", headers, body: JSON.stringify(body) });
    const reply = (await response.json()) as Reply<TResult>;
    if (!response.ok && !reply.errors) {
      throw new RosterError([{ message: `HTTP ${response.status}` }]);
    }
    return reply;
  }
}
