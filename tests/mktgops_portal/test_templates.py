"""Template hygiene: no template source text reaches the page."""

import re
from pathlib import Path

from django.conf import settings

# Django's {# … #} comment ends on its own line; one left open prints itself and the lines after it.
OPEN_COMMENT = re.compile(r"\{#(?!.*#\})")


def test_no_template_has_a_comment_that_spans_lines():
    offenders = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if OPEN_COMMENT.search(line):
                    offenders.append(f"{path.name}:{number}")
    assert offenders == []
