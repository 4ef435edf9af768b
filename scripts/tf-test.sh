#!/usr/bin/env bash
# Runs the Terraform tests (terraform/**/tests/*.tftest.hcl) offline, the way
# ../shared/infra-check/terraform-validate runs validate: the schema-only
# stand-in providers through its dev_overrides CLI config, .terraform in the
# infra-check cache, nothing written into the tree. The tests use
# mock_provider "google", so no credentials and no API calls are involved.
#
# Also refuses any public IAM member written into the configuration, and any
# module whose README.md does not document its variables and outputs.
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

# Every module documents itself: a README.md whose Inputs and Outputs tables
# name exactly the variables and outputs its .tf files declare.
readme_status=0 readmes=0
shopt -s nullglob
for mod in "$root"/modules/*/; do
  mod=${mod%/}
  readmes=$((readmes + 1))
  [[ -n $(find "$mod" -maxdepth 1 -name '*.tf' -print -quit) ]] || continue
  readme=$mod/README.md
  if [[ ! -f $readme ]]; then
    echo "FAIL $mod: no README.md (inputs, outputs, an example)"
    readme_status=1
    continue
  fi
  for kind in variable output; do
    section=Inputs
    [[ $kind == output ]] && section=Outputs
    declared=$(sed -nE "s/^$kind \"([^\"]+)\" \{.*/\1/p" "$mod"/*.tf | sort -u)
    documented=$(awk -v s="## $section" '$0 == s {on = 1; next} /^## / {on = 0} on' "$readme" |
      sed -nE 's/^\| `([^`]+)` \|.*/\1/p' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$documented") | grep . || true)
    stale=$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$documented") | grep . || true)
    if [[ -n $missing ]]; then
      echo "FAIL $readme: ${kind}s missing from \"## $section\": $(echo $missing)"
      readme_status=1
    fi
    if [[ -n $stale ]]; then
      echo "FAIL $readme: \"## $section\" names ${kind}s the module does not declare: $(echo $stale)"
      readme_status=1
    fi
  done
  grep -q '^## Example' "$readme" || { echo "FAIL $readme: no \"## Example\""; readme_status=1; }
done
shopt -u nullglob
if [[ $readme_status -eq 0 && $readmes -gt 0 ]]; then
  echo "ok   $root/modules/*/README.md ($readmes modules: inputs, outputs, example)"
fi

# Every root (a folder with a backend) commits its dependency lock file, and the
# file locks each provider the root requires, with the registry's hashes, at a
# version its constraint allows ("terraform init" refuses a lock that does not).
lock_status=0 roots=0
while IFS= read -r backend; do
  dir=$(dirname "$backend")
  roots=$((roots + 1))
  lock=$dir/.terraform.lock.hcl
  if [[ ! -f $lock ]]; then
    echo "FAIL $dir: no .terraform.lock.hcl (run terraform init there and commit it)"
    lock_status=1
    continue
  fi
  for src in $(sed -nE 's/^ *source *= *"([^"./][^"]*)".*/\1/p' "$dir"/*.tf | sort -u); do
    block=$(awk -v p="provider \"registry.terraform.io/$src\" {" '$0 == p {on = 1; next} on && /^}/ {exit} on' "$lock")
    version=$(sed -nE 's/^ *version *= *"([^"]+)".*/\1/p' <<<"$block")
    hashes=$(grep -cE '"(zh|h1):[0-9a-zA-Z+/=]+"' <<<"$block" || true)
    if [[ -z $version || $hashes -eq 0 ]]; then
      echo "FAIL $lock: $src is not locked with hashes"
      lock_status=1
    elif [[ ${version%%.*} != 6 && $src == hashicorp/google ]]; then
      echo "FAIL $lock: $src $version is outside the ~> 6.50 the root requires"
      lock_status=1
    fi
  done
done < <(find "$root" -name backend.tf -not -path '*/.terraform/*' | sort)
if [[ $lock_status -eq 0 && $roots -gt 0 ]]; then
  echo "ok   $root/**/.terraform.lock.hcl ($roots roots: every required provider locked with hashes)"
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
[[ $readme_status -eq 0 ]] || status=1
[[ $lock_status -eq 0 ]] || status=1
exit $status
