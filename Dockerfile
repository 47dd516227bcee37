# Strata console image.
#   docker build -t strata .
#   docker run -p 8080:8080 -v strata-data:/data strata

# ---- build ----
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, so that this layer is reused while go.mod and go.sum stand still.
COPY go.mod go.sum ./
RUN go mod download

# Generated templ code is committed, so no templ generate here.
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/strata ./cmd/web

# ---- runtime ----
FROM debian:bookworm-slim

# postgresql-client: pg_dump, pg_restore and psql for PostgreSQL sources.
# ca-certificates: TLS to object stores and databases.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends postgresql-client ca-certificates \
	&& rm -rf /var/lib/apt/lists/*

# An unprivileged user owning the data directory. The directory is made and
# chowned before VOLUME: changes made to it after VOLUME would be discarded.
RUN groupadd --system --gid 10001 strata \
	&& useradd --system --uid 10001 --gid strata --home-dir /data --no-create-home \
		--shell /usr/sbin/nologin strata \
	&& mkdir -p /data \
	&& chown strata:strata /data \
	&& chmod 0750 /data
VOLUME ["/data"]

COPY --from=build /out/strata /usr/local/bin/strata

ENV STRATA_ADDR=0.0.0.0:8080 \
	STRATA_DATA_DIR=/data
EXPOSE 8080
WORKDIR /data
# Numeric, so that runtimes checking runAsNonRoot can tell it is not root.
USER 10001:10001

# No HEALTHCHECK: the image has no HTTP client to probe with.
ENTRYPOINT ["/usr/local/bin/strata"]
CMD ["serve"]
