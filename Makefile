# Mixamo Blend Pipeline. `make demo` runs the whole pipeline locally; `make test` runs every test
# tier (unit, corpus, emulator, fault, load-reduced, race, judges) and the infrastructure checks.
GO      ?= go
BIN     ?= bin
CORPUS  ?= ../shared/corpus
export CORPUS

.PHONY: all setup build test unit corpus emulator fault load-reduced verify vet fuzz bench demo clean blender-refs compress-table

all: build

# Installs what the tests need (Debian packages, npm judges); idempotent and quick when present.
setup:
	bash scripts/setup.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe ./cmd/blendpipe
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe-local ./cmd/blendpipe-local
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe-preview ./cmd/blendpipe-preview
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe-store ./cmd/blendpipe-store
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN)/blendpipe-worker ./cmd/blendpipe-worker

# The whole pipeline on this machine: .demo/uploads and .demo/library stand in for the buckets,
# .demo/catalog.db for BigQuery; drop Mixamo files into .demo/uploads.
DEMO_DIR  ?= .demo
DEMO_ADDR ?= 127.0.0.1:8080
demo: build
	$(BIN)/blendpipe dev --dir $(DEMO_DIR) --addr $(DEMO_ADDR)

# Every file under every tier's tags (the judges' in verify).
vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) vet -tags corpus,emulator,fault,load ./...

# --- Test tiers (docs/operations.md): scripts/tier.sh runs each tier's own tests once ---
# The default tier, `go test ./...`: hermetic and parallel, no corpus, emulator, judges, faults or load.
unit:
	GO=$(GO) scripts/tier.sh unit -count=1

# Tests that read the corpus of real Mixamo files (-tags corpus; CORPUS, default ../shared/corpus).
corpus:
	GO=$(GO) scripts/tier.sh corpus -count=1

# Tests against the BigQuery emulator process (-tags corpus,emulator; scripts/setup.sh builds it).
emulator:
	GO=$(GO) scripts/tier.sh emulator -count=1

# The Cloud Run services under injected faults (-tags corpus,emulator,fault).
fault:
	GO=$(GO) scripts/tier.sh fault -count=1 -timeout 20m

# The reduced load against the local pipeline (-tags corpus,load); `make load` runs the full one.
load-reduced:
	GO=$(GO) scripts/tier.sh load -count=1 -timeout 20m

# Files we write, judged by Blender, assimp, three.js, the FBX SDK and the glTF validator, and the
# Kubernetes Job by k8s-validate (-tags corpus,judges).
verify: build
	$(GO) vet -tags judges,corpus ./verify/... ./internal/kube
	GO=$(GO) scripts/tier.sh judges -count=1 -v -timeout 20m

# The keyframe reduction's size and error table on every corpus clip against gltf-transform's
# resample (a judges-tier test; needs the corpus and make setup's npm tools).
compress-table:
	$(GO) test -tags judges,corpus -count=1 -run TestCompressionAgainstGLTFTransform -v -timeout 20m ./verify/

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

test: setup vet unit corpus emulator fault load-reduced race infra-check tf-test verify

# Each reader's fuzz target for FUZZTIME (default 10m).
FUZZTIME ?= 10m
fuzz:
	$(GO) test -tags corpus ./shared/fbx  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags corpus ./shared/bvh  -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags corpus ./shared/gltf -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

# The benchmarks read the corpus, so they build with its tag.
bench:
	$(GO) test -tags corpus -run '^$$' -bench . -benchmem -count 5 ./shared/...

# Rebuilds the viewer's bundle (web/viewer/dist, embedded in the binaries) from web/viewer/src;
# make verify fails while the committed bundle is stale.
.PHONY: viewer
viewer: setup
	cd web/viewer && node build.mjs

clean:
	rm -rf $(BIN) .demo

# --- Deployment: terraform/, cloudbuild.yaml, deploy/Dockerfile (docs/operations.md) ---
INFRA_CHECK ?= ../shared/infra-check
IMAGES      ?= validate blend metasync preview worker
REGION      ?= europe-west1
REPOSITORY  ?= blendpipe
PROJECT_ID  ?= $(shell gcloud config get-value project 2>/dev/null)

.PHONY: tf-validate tf-test infra-check bootstrap plan deploy images

# terraform fmt + validate offline (stand-in providers), then the terraform tests on mocked providers.
tf-validate:
	$(INFRA_CHECK)/terraform-validate terraform
	bash scripts/tf-test.sh terraform

tf-test:
	bash scripts/tf-test.sh terraform

# Every offline check: terraform, terraform/k8s manifests, cloudbuild.yaml, the alerting rules.
# kubeconform has no schema for the PodMonitoring CRD: internal/kube/podmonitoring_test.go checks
# terraform/k8s/base/podmonitoring.yaml against it instead (make unit).
infra-check:
	INFRA_CHECK_K8S_FLAGS="-skip PodMonitoring" $(INFRA_CHECK)/all .
	promtool check rules terraform/k8s/base/alert-rules.yml
	cd terraform/k8s/base && promtool test rules alert-rules.test.yml

# First apply of an environment (docs/operations.md, "First-time bootstrap"):
#   make bootstrap ENV=dev   APIs, image repository, secrets (terraform/envs/ENV/bootstrap)
#   (secret values, images with Cloud Build)
#   make deploy ENV=dev      everything else (terraform/envs/ENV)
# Both read terraform/envs/ENV/terraform.tfvars and keep their state in TF_STATE_BUCKET. Each
# writes a plan, shows it, and applies exactly that plan, without a prompt; `make plan ENV=...`
# only shows what deploy would do.
TF_STATE_BUCKET ?= $(PROJECT_ID)-tfstate
TF_ENV_DIR       = terraform/envs/$(ENV)
TF_VARS          = $(abspath $(TF_ENV_DIR)/terraform.tfvars)
define tf_plan_apply
	terraform -chdir=$(1) init -input=false -backend-config="bucket=$(TF_STATE_BUCKET)"
	terraform -chdir=$(1) plan -input=false -var-file=$(TF_VARS) -out=deploy.tfplan
	terraform -chdir=$(1) apply -input=false deploy.tfplan
	rm -f $(1)/deploy.tfplan
endef

.PHONY: tf-env
tf-env:
	@case "$(ENV)" in dev|prod) ;; *) echo "usage: make bootstrap|plan|deploy ENV=dev|prod"; exit 2;; esac
	@test -f $(TF_VARS) || { echo "$(TF_VARS) missing: copy terraform.tfvars.example beside it"; exit 2; }
	@test -n "$(TF_STATE_BUCKET)" && test "$(TF_STATE_BUCKET)" != "-tfstate" || { echo "set PROJECT_ID or TF_STATE_BUCKET"; exit 2; }

bootstrap: tf-env
	$(call tf_plan_apply,$(TF_ENV_DIR)/bootstrap)

plan: tf-env
	terraform -chdir=$(TF_ENV_DIR) init -input=false -backend-config="bucket=$(TF_STATE_BUCKET)"
	terraform -chdir=$(TF_ENV_DIR) plan -input=false -var-file=$(TF_VARS)

deploy: tf-env
	$(call tf_plan_apply,$(TF_ENV_DIR))

# Service and worker images. With a Docker engine: local builds tagged blendpipe-<name>:dev.
# Without one: how Cloud Build builds, pushes and deploys them, and their sizes (image-sizes).
images:
	@if docker info >/dev/null 2>&1; then \
		for s in $(IMAGES); do \
			echo "docker build -f deploy/Dockerfile --build-arg SERVICE=$$s -t blendpipe-$$s:dev ."; \
			DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile --build-arg SERVICE=$$s -t blendpipe-$$s:dev . || exit 1; \
		done; \
	else \
		echo "No Docker engine here. Cloud Build builds and pushes every image ($(IMAGES)):"; \
		echo "  gcloud builds submit --project=$(PROJECT_ID) --config=cloudbuild.yaml \\"; \
		echo "    --substitutions=_ENV=dev,_REGION=$(REGION),_REPOSITORY=$(REPOSITORY),_DEPLOY=false ."; \
		echo "(_DEPLOY=true also rolls the new images out to blendpipe-<_ENV>-{validate,blend,metasync,preview})."; \
		echo "Their sizes, measured here:"; \
		$(MAKE) --no-print-directory image-sizes; \
	fi

# make batch-submit MANIFEST=jobs/walk_run.yaml [BUCKET=library-bucket]: hand a batch manifest to
# the pipeline. With BUCKET, it goes to gs://BUCKET/jobs/ (Eventarc starts the blend service);
# without, into the local pipeline's library ($(DEMO_DIR)/library/jobs/). The result appears
# beside it as jobs/<name>.result.json.
.PHONY: batch-submit
batch-submit:
	@test -n "$(MANIFEST)" || { echo "usage: make batch-submit MANIFEST=FILE.yaml|json [BUCKET=NAME]"; exit 2; }
	@if [ -n "$(BUCKET)" ]; then \
		gcloud storage cp "$(MANIFEST)" "gs://$(BUCKET)/jobs/$$(basename "$(MANIFEST)")"; \
	else \
		mkdir -p "$(DEMO_DIR)/library/jobs" && cp "$(MANIFEST)" "$(DEMO_DIR)/library/jobs/" && \
		echo "submitted to $(DEMO_DIR)/library/jobs/$$(basename "$(MANIFEST)")"; \
	fi

# The Kubernetes batch path on this machine: a SHARD_BLENDS-blend manifest sharded by the blend
# service's use case into fake Cloud Storage and run as SHARDS worker processes (JOB_COMPLETION_INDEX
# 0..SHARDS-1, SHARD_WORKERS each), merged into one result; prints wall time and blends/s.
SHARD_BLENDS  ?= 1000
SHARDS        ?= 4
SHARD_WORKERS ?= 1
.PHONY: shard-run
shard-run:
	SHARD_RUN_BLENDS=$(SHARD_BLENDS) SHARD_RUN_SHARDS=$(SHARDS) SHARD_RUN_WORKERS=$(SHARD_WORKERS) \
		$(GO) test -count=1 -tags corpus -run '^TestShardRun$$' -v -timeout 30m ./cmd/blendpipe-worker

# Compressed size of every image (distroless base + the binary's layer, built as deploy/Dockerfile
# builds it), checked against the 30 MB budget; works without a container engine.
.PHONY: image-sizes
image-sizes:
	IMAGE_SIZES=1 $(GO) test -count=1 -run '^TestImageSizes$$' -v ./internal/imagesize

# GET /blends against the BigQuery emulator, read per request and from the catalogue cache, with
# the query jobs each path starts (docs/architecture.md); the emulator tier runs it at 10,000 rows.
READPATH_ROWS ?= 100000
.PHONY: readpath-bench
readpath-bench:
	READPATH_ROWS=$(READPATH_ROWS) $(GO) test -count=1 -tags emulator -run '^TestReadPathLatency$$' -v -timeout 60m ./internal/bq

# --- Proof under load and faults (docs/operations.md) ---
.PHONY: load race

# The full load against the local pipeline: 50 clients, 2,000 blend requests, 500 uploads.
# Prints throughput, latency percentiles, errors and peak memory.
load:
	BLENDPIPE_LOAD=full $(GO) test -count=1 -tags corpus,load -run '^TestLoad$$' -v -timeout 30m ./internal/local

# The race detector over every package with concurrent paths, with every tier's tests in them (the
# reduced load too) but the judges'.
RACE_PKGS ?= ./shared/pipeline/... ./shared/batch ./shared/job ./shared/fbx ./shared/blend \
	./shared/storage/... ./shared/catalog/... ./internal/... ./functions/... ./cmd/...
RACE_TAGS ?= corpus,emulator,fault,load
race:
	$(GO) test -race -count=1 -timeout 30m -tags $(RACE_TAGS) $(RACE_PKGS)
