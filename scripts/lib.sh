# shellcheck shell=bash
# Shared by scripts/run and scripts/test (sourced, not executed): logging and the project's venv.
#
#   ensure_venv REQUIREMENTS_FILE   creates $VENV if missing or broken (python3.11, else python3 >= 3.11),
#                                   pip-installs the file only when it, a file it includes with -r/-c,
#                                   or the interpreter changed (sha256 stamp kept inside the venv).
# Env: WIMS_LTI_VENV (default: <repo>/.venv), PYTHON (an explicit interpreter to build the venv with).

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${WIMS_LTI_VENV:-$REPO_ROOT/.venv}
SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0")}

log() { printf '[%s] %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A Python >= 3.11 to build the venv with: $PYTHON, python3.11, then python3.
find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# The file and every file it pulls in with -r / -c (recursively), one path a line.
requirement_files() {
  local file=$1 dir line include
  dir=$(dirname "$file")
  printf '%s\n' "$file"
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    case $line in
      -r\ * | -c\ * | --requirement\ * | --constraint\ * | --requirement=* | --constraint=*)
        include=${line#*[ =]}
        include=${include//[[:space:]]/}
        [ -n "$include" ] && requirement_files "$dir/$include"
        ;;
    esac
  done <"$file"
}

# sha256 of the interpreter's version and the contents of the requirement files.
requirements_hash() {
  local file=$1 python=$2 included
  {
    "$python" -c 'import sys; print(sys.version)'
    while IFS= read -r included; do
      [ -f "$included" ] || die "$file includes $included, which does not exist"
      printf '== %s\n' "$(basename "$included")"
      cat "$included"
    done < <(requirement_files "$file")
  } | sha256sum | cut -d' ' -f1
}

venv_works() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys, pip' >/dev/null 2>&1
}

create_venv() {
  local python
  python=$(find_python) || die "Python 3.11 or newer is needed (python3.11 or python3 on PATH, or PYTHON=...)"
  if [ -e "$VENV" ]; then
    log "$VENV is broken (interpreter gone?): recreating it"
    rm -rf "$VENV"
  fi
  log "creating $VENV with $python ($("$python" -c 'import sys; print(sys.version.split()[0])'))"
  if ! "$python" -m venv "$VENV"; then
    rm -rf "$VENV"
    die "'$python -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv"
  fi
}

ensure_venv() {
  local requirements=$1 stamp wanted
  [ -f "$requirements" ] || die "$requirements not found"
  venv_works || create_venv
  stamp="$VENV/.stamp-$(basename "$requirements" .txt)"
  wanted=$(requirements_hash "$requirements" "$VENV/bin/python")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    return 0
  fi
  log "installing $requirements into $VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements" \
    || die "pip install -r $requirements failed"
  printf '%s\n' "$wanted" >"$stamp"
}
