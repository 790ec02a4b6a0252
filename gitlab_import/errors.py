"""The importer's refusal codes (stable: the page, the command and tests name them)."""

from enum import StrEnum


class ImportErrorCode(StrEnum):
    BAD_LABEL_MAP = "bad_label_map"
    NOT_AN_EXPORT = "not_an_export"
    NO_SOURCE = "no_source"
    NO_TOKEN = "no_token"  # noqa: S105 - a code, not a secret
    API_UNAVAILABLE = "gitlab_unavailable"
    NOT_MANAGER = "import_managers_only"
