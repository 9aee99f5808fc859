"""The print handout as a standalone HTML file, rendered without a web app or a request.

The web app and this module set up their Jinja environments with the same `configure`, so the
page a trainer prints from the site and the file `casebase export --format html` writes come
from one template with the same filters.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import select_autoescape

from casefile.markdown import render_markdown
from handouts.charts import chart_svg
from handouts.html_export import handout_data
from handouts.pack import Pack
from handouts.pack import encode

# templates/ and static/ are data folders beside the packages, in a checkout and a wheel alike.
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PRINT_CSS = ROOT / "static" / "print.css"


def configure(env: Environment) -> None:
    """The filters and helpers every template may use (the app's environment gets them too)."""
    env.filters["markdown"] = render_markdown
    env.globals["chart_svg"] = chart_svg


def standalone_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html"]))
    configure(env)
    return env


def standalone_handout(pack: Pack, cases: list[dict]) -> str:
    """The print page with its CSS inlined, for a file opened without the site."""
    template = standalone_environment().get_template("handout.html")
    return template.render(inline_css=PRINT_CSS.read_text("utf-8"), token=encode(pack),
                           **handout_data(pack, cases))
