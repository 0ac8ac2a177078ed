# Multi-stage: build with the Rust toolchain, run on a small Debian image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY migrations migrations
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin fairquote

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /srv/fairquote fairquote \
    && mkdir -p /srv/fairquote/data && chown fairquote /srv/fairquote/data
WORKDIR /srv/fairquote
COPY --from=build /src/target/release/fairquote /usr/local/bin/fairquote
COPY models models
USER fairquote
ENV FAIRQUOTE__SERVER__LISTEN_ADDRESS=0.0.0.0:50051 \
    FAIRQUOTE__MODELS__DIR=/srv/fairquote/models
VOLUME ["/srv/fairquote/data"]
EXPOSE 50051
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 CMD ["fairquote", "health"]
ENTRYPOINT ["fairquote"]
CMD ["serve"]
