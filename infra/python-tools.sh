#!/usr/bin/env bash
# Creates (once) a Python venv holding a pinned requirements file and prints its path.
#   infra/python-tools.sh reference   bandit, detect-secrets, flake8 (the reference tools)
#   infra/python-tools.sh aws         moto server, cfn-lint, aws-sam-cli
#   infra/python-tools.sh guarddog    GuardDog (the behaviour check's peer, infra/bench/behaviour.py)
#   infra/python-tools.sh devtools    maturin, pre-commit, actionlint (wheel, hook and action tests)
#   infra/python-tools.sh catalogue   the libraries the API catalogue classifies (its coverage tests)
#   infra/python-tools.sh yara        yara-python: libyara, the signatures check's reference
#                                     (infra/signatures/yara_matches.py)
#   infra/python-tools.sh qgis4       PyQt6, QScintilla, tokenize-rt: QGIS's migration script (the
#                                     qgis4 check's reference, infra/qgis4/reference.py)
# Each set gets its own venv under target/ (override the folder with VALIDATOR_VENV_DIR), so
# their dependency pins never fight. Safe to run concurrently: a lock serialises the installs,
# and a stamp of the requirements file makes later runs instant.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
set_name=${1:?usage: python-tools.sh reference|aws|guarddog|devtools|catalogue|qgis4|yara}
req="$root/infra/requirements-$set_name.txt"
[ -f "$req" ] || { echo "no requirements file $req" >&2; exit 2; }
base=${VALIDATOR_VENV_DIR:-$root/target/venvs}
venv="$base/$set_name"
mkdir -p "$base"
exec 9>"$base/$set_name.lock"
flock 9
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$want" ]; then
    echo "$venv"
    exit 0
fi
echo "installing $set_name tools into $venv (once)" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
echo "$want" >"$venv/.stamp"
echo "$venv"
