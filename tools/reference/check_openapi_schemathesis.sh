#!/usr/bin/env bash
# Property-based check of /openapi.json against a running server with schemathesis (pinned in
# requirements.txt): every operation gets generated bodies, paths and queries, valid ones (which must
# be accepted: 2xx) and invalid ones (which must be refused: 4xx), and every answer is checked against
# the document (status documented, content type, response schema, no 5xx).
#
# Run by hand (not part of the Maven build; Python is never needed to build or test):
#   tools/reference/.venv/bin/pip install -r tools/reference/requirements.txt
#   ./altdiffusion serve --port 7862 &            # a loopback server without token
#   tools/reference/check_openapi_schemathesis.sh [BASE_URL] [MAX_EXAMPLES] [extra schemathesis options]
#
# BASE_URL defaults to http://127.0.0.1:7862, MAX_EXAMPLES (per operation and mode) to 40.
# Generation requests run the model: keep MAX_EXAMPLES small with a real model, or start the server
# with a small one. Exits with schemathesis' status (0 = no failures).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base="${1:-http://127.0.0.1:7862}"
examples="${2:-40}"
shift $(( $# > 2 ? 2 : $# ))
st="${SCHEMATHESIS:-$here/.venv/bin/schemathesis}"
[ -x "$st" ] || { echo "no $st: pip install -r $here/requirements.txt into $here/.venv" >&2; exit 2; }
curl -fsS "$base/api/v1/status" >/dev/null || { echo "no server answers at $base" >&2; exit 2; }
# positive and negative data; every check but those schemathesis.toml turns off, and says why.
# Generation requests wait for the queued jobs: hence the long request timeout. Excluded: the
# interrupt/skip endpoints would stop other generated jobs, and the model switch would load other
# models (minutes for a big one).
exec "$st" --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
  --url "$base" \
  --mode all \
  --max-examples "$examples" \
  --workers 1 \
  --request-timeout 600 \
  --max-response-time 600 \
  --seed 20240612 \
  --exclude-operation-id interrupt \
  --exclude-operation-id skip \
  --exclude-operation-id setOptions \
  "$@"
