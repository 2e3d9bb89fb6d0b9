"""Alembic migrations, shipped inside the package so an installed Otklik can migrate itself."""
