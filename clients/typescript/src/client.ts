// A small executor for the typed documents: it infers the result and the variables
// from the document, sends the access token, speaks Roster's automatic persisted
// queries (a SHA-256 hash instead of the document once the server has it), and runs
// subscriptions over `/graphql/ws` (graphql-transport-ws, the `graphql-ws` package).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, type FormattedExecutionResult, print } from "graphql";
import { type Client as SocketClient, createClient } from "graphql-ws";

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
  /** The subscription endpoint; by default `url` as `ws:`/`wss:` with `/ws` appended. */
  subscriptionUrl?: string;
  /**
   * The WebSocket class where the runtime has no global one (Node 20:
   * `import WebSocket from "ws"`); browsers and Node ≥ 22 need none.
   */
  webSocketImpl?: unknown;
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

/** Roster closes the socket with 4403 for a missing, invalid, expired or revoked token. */
const CLOSED_FORBIDDEN = 4403;

function closeCodeOf(reason: unknown): number | undefined {
  if (typeof reason === "object" && reason !== null && "code" in reason && typeof reason.code === "number") {
    return reason.code;
  }
  return undefined;
}

/** What ended a subscription, as graphql-ws reports it, as a RosterError. */
function subscriptionError(reason: unknown): RosterError {
  if (reason instanceof RosterError) return reason;
  if (Array.isArray(reason)) return new RosterError(reason as RosterGraphQLError[]);
  const closeCode = closeCodeOf(reason);
  if (closeCode !== undefined) {
    const why = (reason as { reason?: unknown }).reason;
    const message = `subscription socket closed with ${closeCode}${why ? `: ${String(why)}` : ""}`;
    return new RosterError([{ message, extensions: { closeCode } }]);
  }
  return new RosterError([{ message: reason instanceof Error ? reason.message : String(reason) }]);
}

/**
 * The `data` of each event. `return()` goes straight to graphql-ws (an async
 * generator would wait for the pending `next()` first), so it ends the subscription
 * even while no event has come.
 */
function dataOf<TResult>(
  events: AsyncIterableIterator<FormattedExecutionResult<TResult, unknown>>,
): AsyncIterableIterator<TResult> {
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    await events.return?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<TResult> = {
    async next() {
      const step = await events.next().catch((reason: unknown) => {
        throw subscriptionError(reason);
      });
      if (step.done) return { done: true, value: undefined };
      const { data, errors } = step.value;
      if (errors && errors.length > 0) {
        await end();
        throw new RosterError(errors);
      }
      if (data == null) {
        await end();
        throw new RosterError([{ message: "no data in the event" }]);
      }
      return { done: false, value: data };
    },
    return: end,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** `https://host/graphql` → `wss://host/graphql/ws`; relative to the page in a browser. */
function defaultSubscriptionUrl(url: string): string {
  const address = new URL(url, globalThis.location?.href);
  address.protocol = address.protocol === "https:" ? "wss:" : "ws:";
  address.pathname = `${address.pathname.replace(/\/$/, "")}/ws`;
  return address.toString();
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class RosterClient {
  /** The access token (or API token) sent as `Authorization: Bearer …`. */
  token: string | undefined;
  private readonly printed = new WeakMap<DocumentNode, { query: string; hash: string | undefined }>();
  private socket: SocketClient | undefined;

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

  /**
   * Runs a subscription over `/graphql/ws`; read its events with `for await`. Leaving
   * the loop (or calling `return()`) ends it, and the socket closes with the last one.
   * The token is sent in `connection_init` when the socket (re)connects. GraphQL
   * errors, and a socket closed for good (4403: a bad token; subscribe again after a
   * refresh), throw a RosterError.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): AsyncIterableIterator<TResult> {
    const payload = { query: print(document), variables: variables as Record<string, unknown> | undefined };
    return dataOf(this.subscriptionSocket().iterate<TResult>(payload));
  }

  /** Closes the subscription socket, ending every subscription of this client. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await socket?.dispose();
  }

  private subscriptionSocket(): SocketClient {
    this.socket ??= createClient({
      url: this.options.subscriptionUrl ?? defaultSubscriptionUrl(this.options.url),
      webSocketImpl: this.options.webSocketImpl,
      connectionParams: () => (this.token ? { authorization: `Bearer ${this.token}` } : {}),
      // The same token would be refused again.
      shouldRetry: (reason) => closeCodeOf(reason) !== CLOSED_FORBIDDEN,
    });
    return this.socket;
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
