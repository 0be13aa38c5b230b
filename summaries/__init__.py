"""Extractive digests of Chinese news: page splitting, sentences, digests, keywords, topics.

Pure Python over jieba: no Telegram, no database, no network.
"""
