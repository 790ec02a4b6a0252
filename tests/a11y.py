"""axe-core (vendored from the npm registry under tests/vendor/, MPL-2.0, licence beside it) in Playwright pages.

`serious_violations(page)` runs axe on the page as it is now and returns its serious and critical violations as
readable lines: a test asserts the list is empty, so a failure names the rule and the elements.
"""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BLOCKING = ("serious", "critical")


def with_axe(page):
    """Load axe into every document `page` opens from now on (an init script: the page's CSP does not apply)."""
    page.add_init_script(path=str(AXE))
    return page


def serious_violations(page, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """axe's serious and critical violations on the current document (WCAG 2 A/AA and best practices)."""
    result = page.evaluate(
        """async (exclude) => await axe.run({exclude: exclude.map(s => [s])},
             {resultTypes: ["violations"], runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
              "wcag21aa", "best-practice"]}})""",
        list(exclude),
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:4]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
