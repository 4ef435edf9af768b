#!/usr/bin/env bash
# Runs the Terraform tests (terraform/**/tests/*.tftest.hcl) offline, the way
# ../shared/infra-check/terraform-validate runs validate: the schema-only
# stand-in providers through its dev_overrides CLI config, .terraform in the
# infra-check cache, nothing written into the tree. The tests use
# mock_provider "google", so no credentials and no API calls are involved.
#
# Also refuses any public IAM member written into the configuration.
#
# usage: scripts/tf-test.sh [TERRAFORM_DIR]   (default: terraform)
set -euo pipefail
cd "$(dirname "$0")/.."
INFRA_CHECK=${INFRA_CHECK:-../shared/infra-check}
root=${1:-terraform}

# Public members: only the tests (which prove they are refused) may name them.
if grep -rnE --include='*.tf' '"(allUsers|allAuthenticatedUsers)"' "$root"; then
  echo "FAIL $root: public IAM member in the configuration"
  exit 1
fi

# The stand-in provider and its CLI config: terraform-validate builds them on
# its first run; run it once if they are not there yet.
# shellcheck source=/dev/null
source "$INFRA_CHECK/lib/common.sh"
prov_hash=$(ic_hash "$IC_KIT"/tfstub/{main.go,go.mod,go.sum} "$IC_KIT"/schemas/*.schema.json.gz)
rc_file=$IC_CACHE/tf/providers-$prov_hash/terraformrc
if [[ ! -f $rc_file ]]; then
  "$INFRA_CHECK/terraform-validate" "$root" >/dev/null || true
fi
[[ -f $rc_file ]] || { echo "tf-test: $rc_file missing (run $INFRA_CHECK/terraform-validate $root)" >&2; exit 2; }

unset TF_CLI_ARGS TF_CLI_ARGS_get TF_CLI_ARGS_test TF_WORKSPACE
export TF_CLI_CONFIG_FILE=$rc_file TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

status=0
while IFS= read -r dir; do
  abs=$(cd "$dir" && pwd)
  TF_DATA_DIR=$IC_CACHE/tftest/$(printf %s "$abs" | sha256sum | cut -c1-16)
  export TF_DATA_DIR
  if ! out=$( { terraform -chdir="$dir" get -no-color && terraform -chdir="$dir" test -no-color; } 2>&1); then
    echo "FAIL $dir (terraform test)"
    printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | sed 's/^/    /'
    status=1
  else
    echo "ok   $dir (terraform test: $(grep -oE '[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1))"
  fi
done < <(find "$root" -name '.*' -prune -o -type f -name '*.tftest.hcl' -path '*/tests/*' -printf '%h\n' | xargs -rn1 dirname | sort -u)
exit $status
