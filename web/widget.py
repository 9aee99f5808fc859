"""Embedding the search in other sites: /widget.js (one tag), /embed (an iframe), /embed/help.

The widget and the iframe share one stylesheet (static/widget.css, class names cbw-*); colours
come from validated options, through CSS custom properties, so no inline style or script is
needed anywhere and the strict CSP of the pages stays intact. Only /embed may be framed: by any
site unless FRAME_ANCESTORS lists the ones that may (EMBED_FRAME_ANCESTORS, its first name,
still narrows it for one release).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for

from search.query import LIST_FILTERS
from search.query import MAX_FILTER_CHARS
from search.query import QueryError
from web.pages.search import search_data
from web.security import cors_origin

bp = Blueprint("embed", __name__)

THEMES = {"red": ("#b71c1c", "#ffe28a")}  # party-building red, warm yellow highlight
COLOR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
# An origin or a CSP keyword, nothing that could end the directive or add another one.
ANCESTOR_RE = re.compile(r"'self'|'none'|https?://[A-Za-z0-9.*-]+(?::\d{1,5})?")
DEFAULT_PER_PAGE = 5
MAX_PER_PAGE = 20
MAX_PLACEHOLDER = 40
ASSET_CACHE = 3600


@dataclass(frozen=True)
class EmbedOptions:
    """Presentation options; an invalid value falls back to its default (never an error page)."""

    placeholder: str = "搜索村级集体经济案例，如：闲置村部、光伏"
    color: str = THEMES["red"][0]
    accent: str = THEMES["red"][1]
    target: str = "_blank"
    per_page: int = DEFAULT_PER_PAGE


def embed_options(args, targets: tuple[str, ...] = ("_blank", "_top")) -> EmbedOptions:
    theme = THEMES.get(args.get("theme", ""), THEMES["red"])
    placeholder = " ".join(args.get("placeholder", "").split())[:MAX_PLACEHOLDER]
    per_page = args.get("per_page", "")
    return EmbedOptions(
        placeholder=placeholder or EmbedOptions.placeholder,
        color=_color(args.get("color"), theme[0]),
        accent=_color(args.get("accent"), theme[1]),
        target=args.get("target") if args.get("target") in targets else targets[0],
        per_page=int(per_page) if per_page.isascii() and per_page.isdigit()  # not "²"
        and 1 <= int(per_page) <= MAX_PER_PAGE else DEFAULT_PER_PAGE,
    )


def _color(value: str | None, default: str) -> str:
    return value if value and COLOR_RE.fullmatch(value) else default


def default_filters(args) -> list[tuple[str, str]]:
    """The filter arguments to carry along (as hidden fields and in links), size-checked."""
    return [(key, v) for key in LIST_FILTERS for v in args.getlist(key)[:20]
            if v.strip() and len(v) <= MAX_FILTER_CHARS]


def frame_ancestors() -> str:
    config = current_app.config
    value = config.get("EMBED_FRAME_ANCESTORS") or config.get("FRAME_ANCESTORS") or "*"
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if "*" in value:
        return "*"  # any site (CSP: any http or https page)
    # 'self' always: the help page previews the iframe; framing by our own pages is harmless.
    kept = ["'self'"] + [v.rstrip("/") for v in value if ANCESTOR_RE.fullmatch(v.rstrip("/"))]
    return " ".join(dict.fromkeys(k for k in kept if k != "'none'"))


def embed_csp() -> str:
    return ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {frame_ancestors()}")


# ---- views --------------------------------------------------------------------------------

@bp.get("/widget.js")
def widget_js():
    return _asset("widget.js", "text/javascript")


@bp.get("/widget.css")
def widget_css():
    return _asset("widget.css", "text/css")


def _asset(name: str, mimetype: str) -> Response:
    resp = send_from_directory(current_app.static_folder, name, mimetype=mimetype,
                               max_age=ASSET_CACHE)
    resp.cache_control.public = True
    # Host pages may isolate themselves (COEP); the widget's files are meant to be loaded by them.
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    allowed = cors_origin(request.headers.get("Origin", ""))
    if allowed:
        resp.headers["Access-Control-Allow-Origin"] = allowed
    return resp


@bp.get("/embed/theme.css")
def theme_css():
    opts = embed_options(request.args)
    css = f".cbw-root{{--cbw-color:{opts.color};--cbw-accent:{opts.accent}}}\n"
    resp = Response(css, mimetype="text/css")
    resp.cache_control.public = True
    resp.cache_control.max_age = ASSET_CACHE
    return resp


@bp.get("/embed")
def embed_page():
    """The iframe variant: a server-rendered search box and results, no script at all."""
    opts = embed_options(request.args)
    if request.args.get("q", "").strip() and request.args.get("per_page") != str(opts.per_page):
        # Hand-written URLs: pin the page size the iframe shows, then search.
        args = {k: v for k, v in request.args.to_dict(flat=False).items()
                if not k.startswith("_")}  # url_for's own options (_scheme...) are not ours
        args["per_page"] = [str(opts.per_page)]
        return redirect(url_for(".embed_page", **args))
    context = {"opts": opts, "filters": default_filters(request.args), "query": "",
               "hits": None, "total": 0, "related_total": 0, "errors": {},
               "more_url": url_for("core.search_page")}
    status = 200
    if request.args.get("q", "").strip():
        try:
            data = search_data()
        except QueryError as exc:
            context.update(errors=exc.errors, query=request.args.get("q", "")[:200])
            status = 400
        else:
            context.update(query=data["query"], hits=data["hits"], total=data["total"],
                           related_total=data["related_total"],
                           more_url=url_for("core.search_page",
                                            **data["_query"].args(per_page=None)))
    resp = make_response(render_template("embed.html", **context), status)
    resp.headers["Content-Security-Policy"] = embed_csp()
    return resp


@bp.get("/embed/help")
def help_page():
    """For web teams: the snippet to copy (built from the options form), options, a preview."""
    opts = embed_options(request.args, targets=("_blank", "_self"))
    filters = dict_of_lists(default_filters(request.args))
    data_attrs = [(key, "、".join(values)) for key, values in filters.items()]
    data_attrs.append(("limit", str(opts.per_page)))
    changed = {k: v for k, v in vars(opts).items()
               if v != getattr(EmbedOptions, k) and k != "per_page"}
    data_attrs += list(changed.items())
    iframe_args = {**filters, **changed, "per_page": opts.per_page}
    if opts.target == "_self":
        iframe_args["target"] = "_top"  # inside an iframe, "same tab" means the whole page
    return render_template(
        "embed_help.html", opts=opts, defaults=EmbedOptions(), filters=filters,
        data_attrs=data_attrs,
        widget_src=url_for(".widget_js", _external=True),
        search_url=url_for("core.search_page", _external=True, **filters),
        iframe_src=url_for(".embed_page", _external=True, **iframe_args),
        api_doc=url_for("api_v1.openapi", _external=True), args=request.args)


def dict_of_lists(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("casebase_nav", []).append(("embed.help_page", "嵌入到网站"))
