"""Issue 16: the Markdown findings report shows stored text literally, rendered by a real parser.

A department, a purpose or an acknowledgement note may hold HTML or Markdown link syntax; in the
report it must stay text: no ``<script>`` element, no ``javascript:`` link, no image, no extra
table cell.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt

from audits.quarters import Quarter
from audits.service import AuditService

Q4 = Quarter(2026, 4)
SCRIPT = "<script>alert(1)</script>"
LINK = "[x](javascript:alert(1))"
IMAGE = "![](http://x)"


def test_html_links_images_and_pipes_in_stored_text_render_as_literal_text(
    make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    department = f"Kultur {SCRIPT} | {LINK}"
    make_accounts(
        (
            "solo",
            {
                "department": department,
                "purpose": f"{SCRIPT} {IMAGE}",
                "editors": [("Ida Ek", "ida.ek@helsingborg.se")],
            },
        )
    )
    service.run(Q4)
    service.acknowledge("single-editor", "facebook:solo", note=f"{LINK} {IMAGE} a|b `c` *d*")
    markdown = service.export(Q4, fmt="md").decode("utf-8")
    html = MarkdownIt("commonmark").enable("table").render(markdown)

    assert "<script" not in html and "javascript:" not in html.replace(LINK, "")
    assert 'href="javascript:' not in html and "<img" not in html and "<a " not in html
    # Shown as text, exactly as stored (the parser HTML-escapes it again for the page).
    assert "Kultur &lt;script&gt;alert(1)&lt;/script&gt; | [x](javascript:alert(1))" in html
    assert "[x](javascript:alert(1)) ![](http://x) a|b `c` *d*" in html
    # Every findings row keeps its six cells: the pipes from user text did not add any.
    rows = [line for line in html.splitlines() if line == "<tr>"]
    cells = html.count("<td>") + html.count("<th>")
    assert cells == 6 * len(rows)
