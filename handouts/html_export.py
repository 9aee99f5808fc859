"""Data for the print handout page; the web view and the CLI render the same template with it.

The web view (web/trainer.py) renders `templates/handout.html` with it inside the app;
`handouts.render` renders the same template without an app for `casebase export`.
"""

from __future__ import annotations

from handouts.charts import income_block
from handouts.content import cjk_join
from handouts.content import discussion_questions
from handouts.content import facts_rows
from handouts.content import figure_sources
from handouts.content import join_cjk_lines
from handouts.pack import Pack


def handout_data(pack: Pack, cases: list[dict]) -> dict:
    """Everything the handout shows, per case: facts rows, sections and 讨论题."""
    return {
        "title": pack.display_title,
        "notes": pack.notes,
        "ids": list(pack.ids),
        "count": len(cases),
        "cases": [
            dict(case, number=i, summary=cjk_join(case["summary"]),
                 sections=[dict(s, markdown=join_cjk_lines(s["markdown"]))
                           for s in case["sections"]],
                 facts=[{"label": k, "value": v} for k, v in facts_rows(case)],
                 questions=discussion_questions(case),
                 figure_sources=figure_sources(case),
                 income=income_block([case], key=f"income-{i}"))
            for i, case in enumerate(cases, 1)
        ],
    }
