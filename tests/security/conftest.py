from tests.requests_app.conftest import taxonomy  # noqa: F401 - the list-import tests need its sources
