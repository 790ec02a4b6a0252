"""gunicorn settings (read from the working directory): bounded request heads and a worker timeout.

Request bodies are bounded by Django (DATA_UPLOAD_MAX_MEMORY_SIZE, FILE_UPLOAD_MAX_BYTES; see README
"Security"); a proxy in front should also cap the body (nginx: client_max_body_size 11m).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
# A request taking longer than this is cut off and its worker replaced (slow-body and slow-work attacks).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Request line, header count and header size: gunicorn's limits, tightened.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
