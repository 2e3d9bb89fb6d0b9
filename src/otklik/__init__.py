"""Otklik — a self-hosted customer-support desk."""

__version__ = "0.1.0"
