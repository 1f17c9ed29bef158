#!/usr/bin/env bash
# Run every benchmark in bench/ and write bench/results/*.json, SUMMARY.md and ratios.png.
#
#   bench/run_all.sh DATASETS_DIR            (e.g. ../shared/datasets)
#
# Environment: RESULTS (default bench/results), REPEATS (default 3), SIZES (default
# 10000,100000), PROFILE=1 to also write cProfile stats into $RESULTS/profiles/,
# ONLY="ingest retrieval" to run just those steps (the summary always runs). A benchmark that fails is reported and the
# others still run; the exit code is non-zero if any failed.
set -uo pipefail

if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: bench/run_all.sh DATASETS_DIR" >&2
  exit 2
fi
DATASETS=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
RESULTS=${RESULTS:-bench/results}
ONLY=${ONLY:-}
REPEATS=${REPEATS:-3}
SIZES=${SIZES:-10000,100000}
mkdir -p "$RESULTS"
RUN=(uv run --group bench python)
PROFILE_ARGS=()
if [[ "${PROFILE:-0}" == 1 ]]; then
  PROFILE_ARGS=(--profile-dir "$RESULTS/profiles")
fi

failed=()
step() {
  local name=$1
  shift
  if [[ -n "$ONLY" && " $ONLY " != *" $name "* && $name != summary ]]; then
    return 0
  fi
  echo "== $name: $*" >&2
  if ! "$@"; then
    echo "!! $name failed" >&2
    failed+=("$name")
  fi
}

step ingest "${RUN[@]}" bench/ingest.py "$DATASETS" --out "$RESULTS/ingest.json" \
  --repeats "$REPEATS" "${PROFILE_ARGS[@]}"
step retrieval "${RUN[@]}" bench/retrieval.py "$DATASETS" --out "$RESULTS/retrieval.json" \
  --repeats "$REPEATS" --sizes "$SIZES" "${PROFILE_ARGS[@]}"
# The other engineers' benchmarks (see bench/README.md); each writes one JSON.
[[ -f bench/retrieval_eval.py ]] && step retrieval_eval "${RUN[@]}" bench/retrieval_eval.py \
  "$DATASETS" --out "$RESULTS/retrieval_eval.json"
[[ -f bench/risk_eval.py ]] && step risk_eval "${RUN[@]}" bench/risk_eval.py \
  "$DATASETS" --out "$RESULTS/risk_eval.json"
[[ -f bench/jira_ceiling.py ]] && step jira_ceiling "${RUN[@]}" bench/jira_ceiling.py \
  "$DATASETS" --out "$RESULTS/jira_ceiling.json"
[[ -f bench/doc_qa_eval.py ]] && step doc_qa_eval "${RUN[@]}" bench/doc_qa_eval.py \
  "$DATASETS" --out "$RESULTS/doc_qa_eval.json"
[[ -f bench/meaning_eval.py ]] && step meaning_eval "${RUN[@]}" bench/meaning_eval.py \
  "$DATASETS" --split dev --baseline --out "$RESULTS/meaning_eval_dev.json"
[[ -f bench/draft_eval.py ]] && step draft_eval "${RUN[@]}" bench/draft_eval.py \
  "$DATASETS" --out "$RESULTS/draft_eval.json"
# api.py always writes bench/results/api.json.
[[ -f bench/api.py ]] && step api "${RUN[@]}" bench/api.py

step summary "${RUN[@]}" bench/summary.py --results "$RESULTS"
echo "wrote $RESULTS/SUMMARY.md and $RESULTS/ratios.png" >&2
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
