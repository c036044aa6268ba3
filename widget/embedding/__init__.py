"""Embedding: the widget's URLs, who may frame them, and what every widget page shares."""
