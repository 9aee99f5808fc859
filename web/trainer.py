"""Trainer tools: course packs, side-by-side comparison, Word and print handouts.

No view here changes server state: a pack lives in its URL token (`?p=`), and a copy of the
token in a cookie lets the "加入素材包" link on any page find the current pack without
JavaScript. So the forms need no login and no CSRF token: a forged request can at most edit
the visitor's own shortlist in their own browser.
"""

from __future__ import annotations

from io import BytesIO
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Blueprint
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for

from handouts.docx_export import DOCX_MIME
from handouts.docx_export import build_docx
from handouts.html_export import handout_data
from handouts.pack import MAX_NOTES
from handouts.pack import MAX_TITLE
from handouts.pack import Pack
from handouts.pack import PackError
from handouts.pack import decode
from handouts.pack import encode
from handouts.pack import load_cases
from web.errors import error_response
from web.errors import wants_json
from web.pages.case import current_catalog
from web.pages.pack import compare_data
from web.pages.pack import pack_data

bp = Blueprint("trainer", __name__)
COOKIE = "casebase_pack"
COOKIE_LIMIT = 3800  # browsers drop cookies over ~4 KB; bigger packs live in the URL only
FORM = ["GET", "POST"]


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("casebase_nav", []).append(("trainer.pack_page", "素材包"))
    app.extensions.setdefault("casebase_case_actions", []).append(
        ("trainer.pack_add", "id", "加入素材包"))


@bp.errorhandler(PackError)
def pack_error(exc: PackError):
    return error_response(exc.status, exc.message, exc.errors)


# ---- the pack page and its JSON twin ------------------------------------------------------

@bp.get("/pack")
def pack_page():
    if "p" not in request.args and request.cookies.get(COOKIE):
        try:  # the nav link: show this browser's pack at its own shareable address
            return redirect(url_for(".pack_page", p=encode(decode(request.cookies[COOKIE]))))
        except PackError:
            resp = redirect(url_for(".pack_page", p=""))
            resp.delete_cookie(COOKIE)
            return resp
    pack = decode(request.args.get("p"))
    data = pack_data(pack)
    if wants_json():
        return jsonify(data)
    added = next((c for c in data["cases"] if c["id"] == request.args.get("added")), None)
    return render_template("pack.html", **data, added=added, back=_safe_path(
        request.args.get("back")), limits={"title": MAX_TITLE, "notes": MAX_NOTES})


# ---- plain-form edits: each answers with a redirect to the new pack URL -------------------

@bp.route("/pack/add", methods=FORM)
def pack_add():
    slug = request.values.get("id", "").strip()
    if not slug:
        raise PackError("请填写要加入的案例 id", {"id": "不能为空"})
    pack = _current_pack().add(slug)
    load_cases(current_catalog(), [slug])  # an unknown id is a 404 naming it
    return _to_pack(pack, added=slug, back=_referer_path())


@bp.route("/pack/remove", methods=FORM)
def pack_remove():
    return _to_pack(_current_pack().remove(request.values.get("id", "")))


@bp.route("/pack/move", methods=FORM)
def pack_move():
    step = {"up": -1, "down": 1}.get(request.values.get("dir", ""))
    if step is None:
        raise PackError("移动方向应为 up 或 down", {"dir": "可选值：up、down"})
    return _to_pack(_current_pack().move(request.values.get("id", ""), step))


@bp.route("/pack/edit", methods=FORM)
def pack_edit():
    pack = _current_pack().with_text(request.values.get("title", ""),
                                     request.values.get("notes", ""))
    return _to_pack(pack)


@bp.post("/pack/new")
def pack_new():
    return _to_pack(Pack())


def _current_pack() -> Pack:
    """The pack named by `p`, else by the page the user came from, else this browser's."""
    if "p" in request.values:
        return decode(request.values["p"])
    ref = urlsplit(request.referrer or "")
    if ref.netloc == request.host and parse_qs(ref.query).get("p"):
        return decode(parse_qs(ref.query)["p"][0])
    try:
        return decode(request.cookies.get(COOKIE))
    except PackError:
        return Pack()  # a damaged cookie must not block starting afresh


def _to_pack(pack: Pack, **extra):
    token = encode(pack)
    resp = redirect(url_for(".pack_page", p=token, **{k: v for k, v in extra.items() if v}),
                    code=303)
    if len(token) <= COOKIE_LIMIT:
        resp.set_cookie(COOKIE, token, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        resp.delete_cookie(COOKIE)
    return resp


def _referer_path() -> str | None:
    """Where the add came from (same site only), for a "back to browsing" link."""
    ref = urlsplit(request.referrer or "")
    if ref.netloc != request.host or ref.path.startswith("/pack"):
        return None
    return _safe_path(ref.path + (f"?{ref.query}" if ref.query else ""))


def _safe_path(path: str | None) -> str | None:
    if (not path or not path.startswith("/") or path.startswith("//") or "\\" in path
            or any(ord(ch) < 0x20 for ch in path)):  # browsers drop tabs: "/\t/x" is "//x"
        return None  # only local paths: never an open redirect
    return path


# ---- comparison ---------------------------------------------------------------------------

@bp.get("/compare")
def compare_page():
    only_diff = request.args.get("only") == "diff"
    data = compare_data()
    if wants_json():
        return jsonify(data)
    return render_template("compare.html", only_diff=only_diff, **data)


# ---- handouts -----------------------------------------------------------------------------

def handout_pack() -> tuple[Pack, list[dict]]:
    pack = decode(request.args.get("p"))
    if not pack.ids:
        raise PackError("素材包还是空的：先在案例页点“加入素材包”", {"p": "素材包里没有案例"})
    return pack, load_cases(current_catalog(), list(pack.ids))


def render_handout(pack: Pack, cases: list[dict]) -> str:
    """The print page (`handouts.render.standalone_handout` writes it as a file)."""
    return render_template("handout.html", inline_css=None, token=encode(pack),
                           **handout_data(pack, cases))


@bp.get("/pack/handout")
def handout_page():
    return render_handout(*handout_pack())


@bp.get("/pack/handout.docx")
def handout_docx():
    pack, cases = handout_pack()
    name = "".join(ch for ch in pack.display_title if ch not in '\\/:*?"<>|\r\n')[:60]
    return send_file(BytesIO(build_docx(pack, cases)), mimetype=DOCX_MIME, as_attachment=True,
                     download_name=f"{name or '素材包'}.docx")

