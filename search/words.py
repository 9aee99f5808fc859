"""The words a user sees for a query: meaningful words as chips, a need as its concepts.

The analyzer's query words are what keyword search uses; shown as they are, "地没人种怎么办"
read 地 / 没 / 人种 / 怎么办 (人种 means race). Here a plain-words need (地没人种) shows as the
concepts it points to, the words cut out of it and function words are not shown or marked, and
a single character is never marked unless the query is that character.
"""

from __future__ import annotations

from analysis.segment import STOPWORDS

# Question and filler words of spoken queries: they carry no topic.
FILLER = frozenset("怎么办 咋办 咋整 怎么搞 怎么弄 怎么干 干点啥 能干啥 干啥 啥 有没有 能不能 "
                   "哪些 哪里 例子 办法 有哪些 什么样 好不好 行不行 一下 能干 好几年 几年 "
                   "好多年".split())


def shown_words(text: str, words: list[str], needs: list[tuple[int, int, str]]
                ) -> tuple[list[str], set[str]]:
    """(chips, hidden words) for a query.

    :param needs: (start, end, concept) of each plain-words need found in `text`.
    """
    query = text.strip()
    chips: list[str] = []
    hidden: set[str] = set()
    cursor = 0
    cut: set[tuple[int, int]] = set()  # needs whose words were hidden: shown as concepts
    for word in words:
        at = text.find(word, cursor)
        if at >= 0:
            cursor = at + len(word)
        # A word that is the whole need (光伏, 闲置村部) stays; a piece of one (人种) goes.
        inside = [(s, e) for s, e, _ in needs
                  if at >= 0 and s < at + len(word) and at < e and (s, e) != (at, at + len(word))]
        single = len(word) == 1 and word != query
        if inside:
            cut.update(inside)
        if inside or single or word in STOPWORDS or word in FILLER:
            hidden.add(word)
        elif word not in chips:
            chips.append(word)
    for s, e, concept in needs:
        if (s, e) in cut and concept not in chips:
            chips.append(concept)
    return chips, hidden - set(chips)
