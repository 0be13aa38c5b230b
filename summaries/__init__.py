"""Extractive digests of Chinese news: page splitting, sentences, digests, keywords, topics,
the news category of every article, and story grouping.

Python over jieba's dictionary and algorithm (rjieba, compiled, when installed; jieba else):
no Telegram, no database, no network.
"""

from summaries.categories import CategoryModel, CategoryModelError, CategoryResult
from summaries.digest import select_digest
from summaries.keywords import extract_keywords, keywords_from_tokens
from summaries.model import Article, Section, Summary, Topic
from summaries.pages import article_from_text, split_page
from summaries.segmenter import TOKENIZERS, Segmenter
from summaries.stories import Assignment, Story, StoryIndex
from summaries.story_signature import StorySignature, StorySigner, story_similarity
from summaries.summarizer import Summarizer
from summaries.taxonomy import CATEGORIES, Category, category_by_name
from summaries.text import clean_text, decode_text, split_sentences
from summaries.topics import TopicTagger, parse_topics, tag_topics
from summaries.words import Tokenizer, jieba_words

__all__ = [
    "Article",
    "Assignment",
    "CATEGORIES",
    "Category",
    "CategoryModel",
    "CategoryModelError",
    "CategoryResult",
    "Section",
    "Segmenter",
    "Story",
    "StoryIndex",
    "StorySignature",
    "StorySigner",
    "Summarizer",
    "Summary",
    "TOKENIZERS",
    "Tokenizer",
    "Topic",
    "TopicTagger",
    "article_from_text",
    "category_by_name",
    "clean_text",
    "decode_text",
    "extract_keywords",
    "jieba_words",
    "keywords_from_tokens",
    "parse_topics",
    "select_digest",
    "split_page",
    "split_sentences",
    "story_similarity",
    "tag_topics",
]
