"""Every tunable number of the SDK in one place (queue, batching, retries, limits)."""

SDK_NAME = "tokenoptimizer-python"
VERSION = "0.1.0"

DEFAULT_BASE_URL = "http://localhost:8000"
LOG_PATH = "/api/log"

# Sender: a bounded in-memory queue drained by one background thread.
MAX_QUEUE_SIZE = 10_000
BATCH_SIZE = 100
# The API accepts at most 1 MB of uncompressed JSON per request; stay a little under it.
BATCH_MAX_BYTES = 1_000_000 - 1_024
FLUSH_INTERVAL = 1.0
REQUEST_TIMEOUT = 10.0

# Retries: capped exponential backoff with full jitter; Retry-After is honoured up to a cap.
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 10.0
RETRY_AFTER_MAX = 60.0
# The backend cannot take anything now: retry the same batch, never split or drop for these.
OUTAGE_STATUSES = frozenset({408, 429, 502, 503, 504})
# The key or the URL is wrong: every event would get the same answer, so splitting cannot help.
REFUSE_ALL_STATUSES = frozenset({401, 403, 404, 405})
# A batch failing with the same server error this many times is split to find a poisoned event.
SERVER_ERROR_SPLIT_AFTER = 2

ATEXIT_FLUSH_TIMEOUT = 2.0
FLUSH_AFTER_TIMEOUT = 2.0

DEFAULT_ANTHROPIC_MAX_TOKENS = 1024

# Event field limits from the /api/log contract (DESIGN.md).
MODEL_MAX = 200
ENDPOINT_NAME_MAX = 100
ID_FIELD_MAX = 200
METADATA_MAX_KEYS = 20
METADATA_KEY_MAX = 64
METADATA_VALUE_MAX = 200

# Keys the backend refuses at any depth because they could carry prompt or completion text.
CONTENT_KEYS = frozenset(
    {"messages", "prompt", "content", "completion", "response", "input", "output", "text"}
)

# error_type of a stream closed or garbage-collected before its end.
STREAM_ABANDONED = "StreamAbandoned"

# Shadow comparisons: sampled calls waiting for the shadow worker; past this they are dropped.
SHADOW_QUEUE_SIZE = 100
