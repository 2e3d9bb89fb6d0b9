"""Otklik benchmark harness (``python -m bench.run``). Never part of ``make test``."""
