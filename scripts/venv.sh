# Sourced by bin/start and bin/test: make .venv match a lock file.
#
#   ensure_venv requirements/base.txt
#
# Creates .venv with Python 3.11 when it is missing (or broken), and runs
# `pip install -r <lock>` only when the lock file changed since the last
# install: the lock's SHA-256 is kept in .venv/.installed-<name>.

find_python311() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    local lock="$1"
    local stamp=".venv/.installed-$(basename "$lock" .txt)"
    if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        local python
        if ! python="$(find_python311)"; then
            echo "Python 3.11 is needed: install python3.11 (or set PYTHON=/path/to/python3.11)." >&2
            exit 1
        fi
        echo "Creating .venv with $("$python" --version) ..."
        if ! "$python" -m venv --clear .venv; then
            echo "Could not create .venv. On Debian/Ubuntu: apt-get install python3.11-venv" >&2
            exit 1
        fi
    fi
    local want have=""
    want="$(.venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$lock")"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ "$want" != "$have" ]; then
        echo "Installing $lock into .venv (quietly; this takes a minute the first time) ..."
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r "$lock"
        echo "$want" >"$stamp"
    fi
}
