# Mixamo Blend Pipeline. `make demo` runs the whole pipeline locally; `make test` runs every test.
GO      ?= go
BIN     ?= bin
CORPUS  ?= ../shared/corpus
export CORPUS

.PHONY: all setup build test unit verify vet fuzz bench demo clean blender-refs

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
	$(GO) vet -tags judges ./verify/...
	$(GO) test -count=1 -tags judges ./verify/... -v -timeout 20m

# Blender's joint positions for corpus FBX files: the reference shared/fbx/blender_test.go holds our
# reader to. Regenerate after changing verify/blender/*.py (needs Blender and the corpus).
BLENDER ?= blender
BLENDER_REFS = add101-ch46__Idle add101-ch46__Walking kirby-guy-naeem3d__Idle_bigscale \
	kirby-guy-noprefix__Idle kirby-xbot60__Falling_Idle kirby-xbot60__Idle kirby-xbot60__Punching_Left \
	kirby-xbot60__Punching_Right kirby-xbot60__Running_InPlace kirby-xbot60__Sprinting_InPlace \
	kirby-xbot60__Walking_InPlace kirby-xbot__x_bot_character_skin \
	luminoth-mutant37__Breathing_Idle_60fps vrm4-pirate76__Left_Strafe_Walk_rootmotion \
	vrm4-pirate76__Standing_idle vrm4-pirate76__Walking_Backwards_rootmotion \
	vrm4-pirate76__Walking_rootmotion
blender-refs:
	$(BLENDER) -b --factory-startup --python-exit-code 1 --python verify/blender/ref_positions.py -- \
		shared/fbx/testdata/blender $(patsubst %,$(CORPUS)/mixamo/%.fbx,$(BLENDER_REFS))

test: setup vet unit verify

# Each reader's fuzz target for FUZZTIME (default 10m).
FUZZTIME ?= 10m
fuzz:
	$(GO) test ./shared/fbx  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./shared/bvh  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test ./shared/gltf -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./shared/...

clean:
	rm -rf $(BIN) .demo
