"""The metrics engine: contact facts, weekly rollups, one module per figure family, the panel.

Each family module holds an aggregate query over ``metric_rollups`` (SQLAlchemy Core, the same
text on SQLite and PostgreSQL) and a pure function turning its rows into frozen dataclasses.
"""
