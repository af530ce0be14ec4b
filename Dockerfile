# Roster: build the `roster` binary, then run it on a slim Debian with nothing else.
#
#   docker build -t roster .
#   docker run --rm -p 8080:8080 -e ROSTER_JWT_SECRET=... roster
#
# Without DATABASE_URL the service uses an SQLite file in /var/lib/roster (lost with
# the container unless a volume is mounted there). See docker-compose.yml for
# PostgreSQL.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /build

# Dependencies first: with only the manifests, the lock file and empty stand-in
# sources, this layer is rebuilt only when Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
COPY entity/Cargo.toml entity/
COPY migration/Cargo.toml migration/
RUN mkdir -p src entity/src migration/src tests \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs entity/src/lib.rs migration/src/lib.rs tests/main.rs \
    && cargo build --release --locked --bin roster

# The real sources. COPY keeps the files' own modification times, which may be older
# than the stand-ins just built: touch them so cargo rebuilds the workspace crates.
COPY src src
COPY entity/src entity/src
COPY migration/src migration/src
RUN find src entity/src migration/src -name '*.rs' -exec touch {} + \
    && cargo build --release --locked --bin roster \
    && cp target/release/roster /usr/local/bin/roster

FROM debian:bookworm-slim

# ca-certificates for TLS to a managed PostgreSQL; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/roster roster

COPY --from=builder /usr/local/bin/roster /usr/local/bin/roster

USER roster
WORKDIR /var/lib/roster

ENV ROSTER_BIND=0.0.0.0:8080
EXPOSE 8080

# Process up. The port must match ROSTER_BIND if that is changed.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1

ENTRYPOINT ["roster"]
CMD ["serve"]
