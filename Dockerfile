# vigie on Debian with Debian's Chromium headless shell.
#   docker build -t vigie --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -v "$PWD/out:/work" vigie scan https://example.org/ --out /work/report

FROM golang:1.26-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/vigie ./cmd/vigie

FROM debian:trixie-slim
# Chromium's headless shell for the browser visits (vigie's first choice:
# about a third of the full browser's CPU per page); fonts so that pages and
# screenshots render text; ca-certificates for TLS to the scanned sites and
# registries.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium-headless-shell ca-certificates fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/vigie /usr/local/bin/vigie
RUN useradd --create-home --uid 10001 --user-group vigie \
 && mkdir -p /work && chown vigie:vigie /work
USER vigie
WORKDIR /work
ENV LANG=C.UTF-8
ENTRYPOINT ["vigie"]
CMD ["--help"]
