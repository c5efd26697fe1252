# syntax=docker/dockerfile:1
# Multi-stage build: a static binary on a distroless base, run as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# nodemo leaves the demo, its Slack emulator and its embedded Redis out of the image.
RUN CGO_ENABLED=0 go build -tags nodemo -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/incidentbot ./cmd/incidentbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/incidentbot /incidentbot
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/incidentbot"]
CMD ["run"]
