"""The news categories: the fixed taxonomy of 15 that every article is sorted into.

Each category has a stable slug (deep links, callback data, the model file), a Chinese and an
English name. The order is the order users see them in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """One news category: a stable slug and its names in two languages."""

    slug: str
    name_zh: str
    name_en: str


CATEGORIES: tuple[Category, ...] = (
    Category("politics", "时政", "Politics"),
    Category("world", "国际", "World"),
    Category("military", "军事", "Military"),
    Category("finance", "财经", "Finance"),
    Category("tech", "科技", "Technology"),
    Category("sports", "体育", "Sports"),
    Category("entertainment", "娱乐", "Entertainment"),
    Category("society", "社会", "Society"),
    Category("education", "教育", "Education"),
    Category("culture", "文化", "Culture"),
    Category("travel", "旅游", "Travel"),
    Category("auto", "汽车", "Autos"),
    Category("realestate", "房产", "Real estate"),
    Category("games", "游戏", "Games"),
    Category("agriculture", "农业", "Agriculture"),
)

# Labels of the training corpora that name one of ours differently (Toutiao, THUCNews).
LABEL_ALIASES = {"民生": "社会", "电竞": "游戏", "股票": "财经"}

_BY_NAME = {
    key: category
    for category in CATEGORIES
    for key in (category.slug, category.name_zh, category.name_en.lower())
}


def category_by_name(name: str) -> Category | None:
    """The category named by its slug, Chinese or English name (or a corpus alias), else None."""
    key = name.strip()
    key = LABEL_ALIASES.get(key, key)
    return _BY_NAME.get(key) or _BY_NAME.get(key.lower())


def category_by_slug(slug: str) -> Category:
    """The category with this slug; KeyError for an unknown one."""
    category = _BY_NAME.get(slug)
    if category is None or category.slug != slug:
        raise KeyError(slug)
    return category
