"""A deterministic synthetic case library for benchmarks: N realistic Markdown case files.

Every case is valid for `casefile.parse.load_case`: front matter from the controlled vocabulary,
a region, figures and a source, and a body of the usual sections (背景, 主要做法, 利益联结, 成效,
经验启示) written from sentence templates in the report's register. Lengths follow the shipped
cases (a body of about 350 to 750 characters in five sections). The same seed always gives
the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from analysis.vocabulary import load_vocabulary

PROVINCES = {
    "湖南省": ("长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "益阳市"),
    "江西省": ("南昌市", "赣州市", "吉安市", "上饶市", "九江市"),
    "湖北省": ("武汉市", "宜昌市", "襄阳市", "荆州市", "恩施州"),
    "四川省": ("成都市", "绵阳市", "南充市", "宜宾市", "达州市"),
    "浙江省": ("杭州市", "宁波市", "湖州市", "丽水市", "衢州市"),
}
NAME_CHARS = ("青山白石长河桃李金银丰乐新安福兴和平东西南龙凤高岭田溪塘湾坪岗坝竹松柏梅兰"
              "荷花茶桥湖泉云霞红星光明胜利花果双井大小上下")
SITE_SUFFIX = ("村", "村", "村", "社区")
TOWN_SUFFIX = ("镇", "乡", "街道")
COMPANY_KINDS = ("农业开发有限公司", "旅游开发有限公司", "生态农业专业合作社", "劳务服务有限公司",
                 "物业管理有限公司", "农产品加工有限公司")
PRODUCTS = ("油茶", "茶叶", "柑橘", "蔬菜", "水稻", "黄桃", "中药材", "生猪", "稻虾", "食用菌",
            "葡萄", "竹笋", "蜂蜜", "小龙虾", "花卉苗木")
BACKGROUND = (
    "{village}位于{county}{town}，地处{terrain}，全村{households}户{people}人，青壮年多外出务工。",
    "{year}年以前，村级集体经济收入只有{before}万元，是典型的集体经济薄弱村。",
    "村里有{resource}，但长期没有用起来，群众增收渠道单一。",
    "村“两委”班子在走访中发现，{resource}和{product}种植是村里最大的优势。",
    "村部搬迁后，原有的老村部和{idle}处闲置房屋一直空置。",
)
PRACTICE = (
    "村党支部牵头成立{company}，按“{model}”的模式统一经营。",
    "通过土地流转集中连片{land}亩，发展{product}{industry}。",
    "盘活闲置村部和闲置农房{idle}处，改造成{industry}场所，对外出租或合作经营。",
    "引进{company}投资建设，村集体以{resource}入股，每年按比例分红。",
    "采取“党支部+合作社+基地+农户”的方式，统一品种、统一技术、统一销售。",
    "聘请县农业农村局的技术员和科技特派员驻村指导，培训种养能手{trained}人次。",
    "争取上级项目资金{funds}万元，完善道路、灌溉和冷链等基础设施。",
    "推行“三资”清产核资，把{resource}登记入账，明确集体所有权。",
    "结合{province_short}的“一村一品”规划，打造{product}品牌，发展电商直播销售。",
)
LINKAGE = (
    "农户以土地经营权入股，每亩每年保底分红{rent}元，年底再按效益二次分红。",
    "合作社优先吸纳脱贫户和留守妇女务工，带动{jobs}人就近就业，人均年增收{gain}元。",
    "村集体提取收益的30%作为公积金，其余用于分红和公益事业。",
    "公司负责市场和技术，农户负责生产管理，村集体负责协调和服务，三方按合同分配收益。",
)
RESULTS = (
    "{year_after}年，村级集体经济收入达到{after}万元，比{year}年增加{increase}万元。",
    "{product}基地年产值超过{output}万元，带动周边{villages}个村共同发展。",
    "该村先后获评省级美丽乡村示范村和{city}集体经济发展先进村。",
    "全村{households}户农户全部参与分红，户均增收{gain}元。",
)
LESSONS = (
    "发展集体经济要因村施策，立足本村资源，不能照搬照抄。",
    "选好带头人是关键，村党组织书记要懂经营、敢担当。",
    "要建立紧密的利益联结机制，让农户真正分享产业发展收益。",
    "盘活闲置资产要先摸清家底，规范合同管理，防止集体资产流失。",
)


def _name(rng: random.Random, length: int = 2) -> str:
    return "".join(rng.choice(NAME_CHARS) for _ in range(length))


def _facts(rng: random.Random, n: int, vocab) -> dict:
    province = rng.choice(sorted(PROVINCES))
    before = rng.choice((0.5, 1, 2, 3, 5, 8, 10))
    year = rng.randint(2016, 2021)
    f = {
        "province": province, "province_short": province[:-1],
        "city": rng.choice(PROVINCES[province]), "county": _name(rng) + "县",
        "town": _name(rng) + rng.choice(TOWN_SUFFIX),
        "village": _name(rng) + rng.choice(SITE_SUFFIX),
        "terrain": rng.choice(sorted(vocab.terrain)),
        "households": rng.randint(180, 1600), "year": year, "year_after": year + rng.randint(2, 4),
        "before": before, "product": rng.choice(PRODUCTS), "land": rng.randint(50, 3000),
        "idle": rng.randint(2, 60), "trained": rng.randint(20, 500), "funds": rng.randint(20, 800),
        "rent": rng.choice((300, 400, 500, 600, 800)), "jobs": rng.randint(10, 300),
        "gain": rng.randint(2, 30) * 1000, "output": rng.randint(50, 5000),
        "villages": rng.randint(2, 12),
        "models": rng.sample(sorted(vocab.models), rng.randint(1, 3)),
        "industries": rng.sample(sorted(vocab.industries), rng.randint(1, 3)),
        "resources": rng.sample(sorted(vocab.resources), rng.randint(1, 3)),
    }
    f["people"] = f["households"] * rng.randint(3, 4)
    f["after"] = round(before + rng.randint(5, 200) * (1 + n % 3), 1)
    f["increase"] = round(f["after"] - before, 1)
    f["company"] = f["village"].rstrip("村社区") + rng.choice(COMPANY_KINDS)
    f["model"], f["industry"], f["resource"] = f["models"][0], f["industries"][0], f["resources"][0]
    return f


def _section(rng: random.Random, templates: tuple[str, ...], facts: dict, low: int, high: int
             ) -> str:
    picked = rng.sample(templates, min(len(templates), rng.randint(low, high)))
    return "".join(t.format(**facts) for t in picked)


def _front_matter(slug: str, f: dict) -> dict:
    income = {"label": "村级集体经济收入", "unit": "万元", "metric": "income"}
    return {
        "id": slug,
        "title": f"{f['village']}：{f['resource']}+{f['product']}，走出“{f['model']}”发展路子",
        "kind": "case",
        "region": {k: f[v] for k, v in (("province", "province"), ("city", "city"),
                                         ("county", "county"), ("township", "town"),
                                         ("village", "village"))},
        "years": [f["year"], f["year_after"]],
        "models": f["models"], "industries": f["industries"], "resources": f["resources"],
        "terrain": f["terrain"], "tags": [f["product"], f["company"]],
        "figures": [{**income, "value": f["before"], "year": f["year"]},
                    {**income, "value": f["after"], "year": f["year_after"]},
                    {"label": "流转土地", "value": f["land"], "unit": "亩", "metric": "land"}],
        "source": {"document": "合成基准案例", "publisher": "村案通基准", "date": "2024"},
        "summary": (f"{f['village']}依托{f['resource']}，以“{f['model']}”模式发展"
                    f"{f['product']}{f['industry']}，村级集体经济收入从{f['before']}万元增加到"
                    f"{f['after']}万元。"),
    }


def case_markdown(n: int, seed: int = 0) -> tuple[str, str]:
    """The slug and Markdown of synthetic case number `n` (the same for the same seed)."""
    rng = random.Random(f"{seed}-{n}")
    f = _facts(rng, n, load_vocabulary())
    slug = f"syn-{seed}-{n:06d}"
    body = "\n\n".join(f"## {h}\n\n{_section(rng, t, f, lo, hi)}" for h, t, lo, hi in (
        ("背景", BACKGROUND, 2, 5), ("主要做法", PRACTICE, 3, 7), ("利益联结", LINKAGE, 1, 4),
        ("成效", RESULTS, 2, 4), ("经验启示", LESSONS, 1, 3)))
    front = yaml.safe_dump(_front_matter(slug, f), allow_unicode=True, sort_keys=False,
                           width=1000)
    return slug, f"---\n{front}---\n\n{body}\n"


def write_library(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """Write cases 0..n-1 into `folder` (existing identical files are left alone)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        slug, text = case_markdown(i, seed)
        path = folder / f"{slug}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def query_list() -> list[str]:
    """The fixed benchmark queries: colloquial, jargon, literals, places and numbers."""
    return ["闲置村部怎么盘活", "村集体+公司+农户", "油茶种植合作社", "土地流转保底分红",
            "光伏发电", "红色旅游研学", "科技特派员驻村指导", "集体经济薄弱村怎么增收",
            "750亩", "湘潭市", "一村一品 电商直播", "留守妇女就近就业", "三资清产核资",
            "党支部+合作社+基地+农户", "村里有山林和水源能搞什么", "稻虾共养", "物业租赁收入",
            "农户以土地经营权入股", "老村部改造成培训基地", "集体经济收入100万元"]
