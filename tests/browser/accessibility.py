"""axe-core in every page the browser journeys visit; serious or critical violations fail the test.

How the audit gets into the page: ``context.add_init_script`` puts axe-core
(``node_modules/axe-core``, installed by ``npm ci`` from package-lock.json)
into every document before the page's own scripts. Init scripts are injected
through the DevTools protocol, which the page's Content-Security-Policy does not
govern, so the journeys keep the product's real CSP ('self' only): a
``<script>`` tag added with ``page.add_script_tag`` would be refused by it, and
``bypass_csp=True`` would also hide a page whose own scripts the CSP breaks.

When a document has loaded, axe runs in it and hands its findings to Python
through an exposed binding. The page's navigation methods (``goto``,
``wait_for_url``, ``wait_for_load_state``...) return only once the audit of the
document they arrive at is done, so a journey cannot move on before its page is
audited. (Holding the next navigation's request until the audit is done does
not work: Playwright cannot evaluate in a frame whose navigation is paused.)
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# The Page methods that end on a (new) document.
NAVIGATIONS = ("goto", "reload", "go_back", "go_forward", "wait_for_url", "wait_for_load_state")

# Runs in every document after axe.min.js; ``__axeAudit`` settles once the findings are reported.
RUN_AXE = """
(() => {
  if (window.top !== window || window.__axeAudit || location.protocol === "about:") return;
  const impacts = %(impacts)s;
  window.__axeAudit = new Promise((resolve) => {
    const run = () => axe.run(document, { resultTypes: ["violations"] })
      .then((results) => results.violations
        .filter((violation) => impacts.includes(violation.impact))
        .map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          nodes: violation.nodes.map((node) => ({
            target: node.target.join(" "),
            summary: (node.failureSummary || "").replace(/\\s+/g, " ").trim(),
          })),
        })))
      .catch((error) => [{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }])
      .then((violations) => window.__axeReport(location.href, document.title, violations))
      .finally(resolve);
    if (document.readyState === "complete") run();
    else window.addEventListener("load", run, { once: true });
  });
})();
"""


@dataclass(frozen=True)
class Audit:
    url: str
    title: str
    violations: list[dict[str, Any]]

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class AccessibilityAudit:
    """Collects axe-core's findings for every document of the browser contexts it is attached to."""

    def __init__(self) -> None:
        if not AXE.exists():
            raise FileNotFoundError(
                f"{AXE} is missing: the accessibility audit needs axe-core as package-lock.json pins it. "
                "Run `npm ci` in the repository root (bin/test does)."
            )
        self.script = AXE.read_text() + RUN_AXE % {"impacts": json.dumps(list(FAILING_IMPACTS))}
        self.audits: list[Audit] = []
        self.contexts: list[Any] = []

    def attach(self, context: Any) -> None:
        self.contexts.append(context)
        context.add_init_script(script=self.script)
        context.expose_binding("__axeReport", self._report)

    def watch(self, page: Any) -> Any:
        """Make the page's navigation methods wait for the audit of the document they arrive at."""
        for name in NAVIGATIONS:
            self._audit_after(page, name)
        return page

    def _audit_after(self, page: Any, name: str) -> None:
        navigate = getattr(page, name)

        def audited(*args: Any, **kwargs: Any) -> Any:
            result = navigate(*args, **kwargs)
            self._settle(page.main_frame)
            return result

        setattr(page, name, audited)

    def _report(self, source: Any, url: str, title: str, violations: list[dict[str, Any]]) -> None:
        self.audits.append(Audit(url, title, violations))

    @staticmethod
    def _settle(frame: Any) -> None:
        """Wait for the audit of the document the frame shows (there is none in about:blank or a closed page)."""
        with contextlib.suppress(Exception):  # a page that is closing has nothing left to audit
            frame.evaluate("() => window.__axeAudit")

    def finish(self) -> None:
        """Wait for the audits of the documents still open."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    self._settle(page.main_frame)

    def audited_paths(self) -> set[str]:
        return {audit.path for audit in self.audits}

    def report(self) -> str:
        """Every serious or critical violation, once per page path and rule; empty when there are none."""
        seen: set[tuple[str, str]] = set()
        lines: list[str] = []
        pages = 0
        count = 0
        for audit in self.audits:
            fresh = [v for v in audit.violations if (audit.path, v["id"]) not in seen]
            if not fresh:
                continue
            pages += 1
            lines.append(f"{audit.path}  ({audit.title})")
            for violation in fresh:
                seen.add((audit.path, violation["id"]))
                count += 1
                nodes = violation["nodes"]
                impact, rule, help_text = violation["impact"], violation["id"], violation["help"]
                lines.append(f"  [{impact}] {rule}: {help_text} ({len(nodes)} elements)")
                for node in nodes[:8]:
                    lines.append(f"      {node['target']}")
                    lines.append(f"        {node['summary'][:300]}")
                if len(nodes) > 8:
                    lines.append(f"      ... and {len(nodes) - 8} more")
        if not lines:
            return ""
        header = f"axe-core: {count} serious or critical accessibility violations on {pages} pages"
        return "\n".join([header, *lines])
