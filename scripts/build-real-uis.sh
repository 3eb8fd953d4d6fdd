#!/usr/bin/env bash
# Builds the real web UIs that test/clients/real-uis.test.ts drives in Chromium, from their own sources, with
# nothing but the npm registry (whatever `npm config get registry` names). See docs/dialects.md, "The real web UIs
# in Chromium (opt-in)".
#
#   scripts/build-real-uis.sh restreamer-ui <restreamer-ui source> <work folder>
#   scripts/build-real-uis.sh privacyidea   <privacyidea source>   <work folder>
#
# <source> is a git checkout of datarhei/restreamer-ui or privacyidea/privacyidea, or a bare git directory of one;
# the tag built is RESTREAMER_UI_REF (v1.14.0) or PRIVACYIDEA_REF (v3.13.3, the release PRIVACYIDEA_VERSION
# defaults to). The sources are exported (git archive) into <work folder>, their dependencies installed there,
# never in this repository, and the build made there. At the end the script prints the variables to set.
set -euo pipefail

usage() {
  grep '^#   scripts/' "$0" | sed 's/^# *//' >&2
  exit 2
}
[ $# -eq 3 ] || usage
what=$1 source=$2
work=$(mkdir -p "$3" && cd "$3" && pwd)

# The git directory of a checkout, a worktree or a bare repository.
git_dir() {
  git -C "$1" rev-parse --absolute-git-dir 2>/dev/null || {
    echo "not a git checkout or git directory: $1" >&2
    return 2
  }
}

# Native add-ons that build from source find Node's headers here (no header download).
export npm_config_nodedir=${npm_config_nodedir:-/usr}
registry=$(npm config get registry)
registry=${registry%/}/

case $what in
restreamer-ui)
  ref=${RESTREAMER_UI_REF:-v1.14.0}
  out="$work/restreamer-ui"
  gd=$(git_dir "$source")
  rm -rf "$out" && mkdir -p "$out"
  git --git-dir="$gd" archive "$ref" | tar -x -C "$out"
  cd "$out"
  # yarn.lock (yarn 1) names the registry every tarball was resolved from; fetch the same tarballs (same
  # integrity hashes) from the registry npm is configured with.
  sed -i -E "s#resolved \"https://[^/\"]+/#resolved \"${registry}#" yarn.lock
  # A yarn 1 (the lockfile's format), from the registry, kept inside the work folder.
  npm install --no-save --no-audit --no-fund --prefix "$work/.yarn" yarn@1.22.22 >/dev/null
  yarn="$work/.yarn/node_modules/.bin/yarn"
  "$yarn" install --frozen-lockfile --network-timeout 600000 --registry "$registry"
  # As restreamer-ui's own Dockerfile builds it (PUBLIC_URL=./); warnings are not errors, no source maps.
  PUBLIC_URL=./ GENERATE_SOURCEMAP=false CI=false NODE_OPTIONS=--max-old-space-size=4096 "$yarn" build
  echo "RESTREAMER_UI_DIR=$out/build"
  ;;
privacyidea)
  ref=${PRIVACYIDEA_REF:-v3.13.3}
  out="$work/privacyidea"
  gd=$(git_dir "$source")
  rm -rf "$out" && mkdir -p "$out"
  git --git-dir="$gd" archive "$ref" privacyidea/static privacyidea/static_new | tar -x -C "$out"
  cd "$out/privacyidea/static_new"
  # The new (Angular) web UI, as privacyIDEA's release workflow builds it.
  npm ci --no-audit --no-fund
  NG_CLI_ANALYTICS=false npm run build -- --configuration production
  echo "PRIVACYIDEA_STATIC_DIR=$out/privacyidea/static"
  # Releases up to 3.13 build one browser/index.html; later ones one folder per locale (browser/en/index.html).
  echo "PRIVACYIDEA_WEBUI_DIR=$out/privacyidea/static_new/dist/privacyidea-webui/browser"
  ;;
*) usage ;;
esac
