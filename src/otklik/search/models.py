"""The search domain has no tables of its own: each searchable kind's rows carry their
``search_terms`` (written by the domain that owns them) and the index over them (ADR 23)."""
