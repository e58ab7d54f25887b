"""Pydantic v2 schemas of the API, per resource.

Request bodies are the intake contract of :mod:`depot.contracts` (re-exported here), so the API,
the webhook adapters and the CSV import validate orders by the same rules. Response schemas
document what the depot services return.
"""
