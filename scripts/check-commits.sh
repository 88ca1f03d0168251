#!/usr/bin/env bash
# Commit subjects read as a changelog (`git log --oneline`): one line of at most 72 characters, the detail in the body.
# Checks every commit since the rule began (CONTRIBUTING.md); a clone without that history is skipped, not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
# The last commit before the rule: older subjects are paragraphs and stay as they are.
base=98cc23c
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null 2>&1; then
  echo "commit subjects: $base is not in this clone's history; nothing to check"
  exit 0
fi
long="$(git log --no-merges --format='%h %s' "$base"..HEAD | awk '{ subject = substr($0, index($0, " ") + 1) } length(subject) > 72')"
if [[ -n "$long" ]]; then
  echo "commit subjects over 72 characters (one short line; the detail belongs in the body):"
  echo "$long"
  exit 1
fi
echo "commit subjects: $(git rev-list --no-merges --count "$base"..HEAD) since $base, each at most 72 characters"
