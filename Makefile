# Mixamo Blend Pipeline. `make demo` runs the whole pipeline locally; `make test` runs every test.
GO      ?= go
BIN     ?= bin
CORPUS  ?= ../shared/corpus
export CORPUS

.PHONY: all setup build test unit verify vet fuzz bench demo clean

all: build

# Installs what the tests need (Debian packages, npm judges); idempotent and quick when present.
setup:
	bash scripts/setup.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe ./cmd/blendpipe

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

# Files we write, judged by Blender, assimp, three.js, the FBX SDK and the glTF validator.
verify: build
	$(GO) test -count=1 -tags judges ./verify/... -v -timeout 20m

test: setup vet unit verify

# Each reader's fuzz target for FUZZTIME (default 10m).
FUZZTIME ?= 10m
fuzz:
	$(GO) test ./shared/fbx  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./shared/bvh  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./shared/gltf -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./shared/...

clean:
	rm -rf $(BIN) .demo
