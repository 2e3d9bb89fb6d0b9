"""Canned answers, macros, automation rules and auto-replies."""
