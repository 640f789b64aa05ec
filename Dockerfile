# The EDI Hub: one static-ish binary on a slim Debian base.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin edi-hub

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/edi-hub edi-hub
COPY --from=build /src/target/release/edi-hub /usr/local/bin/edi-hub
USER edi-hub
WORKDIR /var/lib/edi-hub
ENV EDI_HUB_LISTEN=0.0.0.0:8080 \
    EDI_HUB_DATA_DIR=/var/lib/edi-hub/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["edi-hub"]
CMD ["serve"]
