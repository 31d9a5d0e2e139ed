"""Guided coaching: a short structured conversation that ends with a cited plan (docs/coaching.md).

Pure Python on top of bot.answer and bot.knowledge; the Rasa forms and their validation live in
actions/coaching.py and data/coaching/.
"""
